/**
 * One conversation: its messages (kept until "New Chat") and the Markdown transcript shown in the
 * read-only chat document. Pure; the controller owns VS Code's side.
 */
import { randomUUID } from 'node:crypto';
import type { ChatMessage } from '../openrouter/types';
import { plainTranslate, type Translate } from '../util/l10n';
import { formatUsd } from '../util/money';

export interface TurnOutcome {
  status: 'streaming' | 'success' | 'error' | 'timeout' | 'cancelled';
  modelUsed: string | null;
  note?: string;
  cost?: number | null;
  costExact?: boolean;
  tokens?: number | null;
  latencyMs?: number;
  /** OpenRouter's id of the answer; the transcript shows it so the answer can be looked up. */
  generationId?: string;
}

interface Turn {
  question: string;
  answer: string;
  outcome: TurnOutcome;
}

export class ChatSession {
  readonly id = randomUUID();
  readonly messages: ChatMessage[] = [];
  private readonly turns: Turn[] = [];

  constructor(
    public model: string,
    readonly number: number,
    readonly tags: string[] = [],
  ) {}

  get documentPath(): string {
    return `/OpenRouter Chat ${this.number}.md`;
  }

  /** Messages to send for a new question: the whole conversation so far plus the question. */
  messagesWith(question: string): ChatMessage[] {
    return [...this.messages, { role: 'user', content: question }];
  }

  startTurn(question: string): Turn {
    const turn: Turn = { question, answer: '', outcome: { status: 'streaming', modelUsed: null } };
    this.turns.push(turn);
    return turn;
  }

  /** Keeps a finished exchange in the conversation; failed or cancelled turns are not resent. */
  finishTurn(turn: Turn, outcome: TurnOutcome): void {
    turn.outcome = outcome;
    if (outcome.status === 'success') {
      this.messages.push({ role: 'user', content: turn.question }, { role: 'assistant', content: turn.answer });
    }
  }

  render(t: Translate = plainTranslate): string {
    const lines = [
      `# ${t('OpenRouter Chat {0} — {1}', this.number, this.model)}`,
      '',
      `_${t('Session {0} · every request is recorded in the ledger', this.id.slice(0, 8))}_`,
      '',
    ];
    for (const turn of this.turns) {
      lines.push('---', '', `**${t('You:')}** ${turn.question}`, '', `**${turn.outcome.modelUsed ?? this.model}:**`, '', turn.answer || '…', '');
      const o = turn.outcome;
      if (o.status !== 'streaming') {
        const parts: string[] = [];
        if (o.status !== 'success') parts.push(failureLabel(o.status, t));
        if (o.tokens != null) parts.push(t('{0} tokens', o.tokens));
        if (o.cost != null) parts.push(o.costExact ? formatUsd(o.cost) : t('{0} (estimate)', formatUsd(o.cost)));
        if (o.latencyMs != null) parts.push(t('{0} s', (o.latencyMs / 1000).toFixed(1)));
        if (o.note) parts.push(o.note);
        if (o.generationId) parts.push(o.generationId);
        lines.push(`_${parts.join(' · ')}_`, '');
      }
    }
    return lines.join('\n');
  }
}

function failureLabel(status: 'error' | 'timeout' | 'cancelled', t: Translate): string {
  switch (status) {
    case 'error':
      return t('error');
    case 'timeout':
      return t('timeout');
    case 'cancelled':
      return t('cancelled');
  }
}
