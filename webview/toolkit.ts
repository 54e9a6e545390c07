/**
 * The webview UI toolkit's controls (FAST web components), a bundle of its own shared by every
 * webview: an entry loads it after its first frame (shared/lateScript.ts), so the figures and
 * charts paint without waiting for the toolkit to download and define its elements; the
 * already-placed <vscode-*> elements upgrade when it runs.
 */
import { provideVSCodeDesignSystem, vsCodeButton, vsCodeDropdown, vsCodeOption } from '@vscode/webview-ui-toolkit';
import { mark } from './shared/bootTimeline';

provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeDropdown(), vsCodeOption());
mark('toolkitDefined');
