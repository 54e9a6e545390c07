/** Calendar constants shared by every module (vscode-free). A UTC day has no leap seconds in JavaScript time. */
export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
