// Signal history in SQLite: every classification is stored with its timestamp so an agent can ask
// "what changed in the last 10 minutes" and see trends per signal.
import type { Db } from '../../db/index.js';
import { SEVERITIES, type Severity, type Signal, type SignalName } from './classify.js';

export function storeSignals(db: Db, signals: readonly Signal[]): void {
  const insert = db.prepare('INSERT INTO signal_samples (at, name, severity, score, summary, evidence) VALUES (?, ?, ?, ?, ?, ?)');
  db.transaction(() => { for (const s of signals) insert.run(s.at, s.name, s.severity, s.score, s.summary, JSON.stringify(s.evidence)); })();
}

export interface SignalTrend {
  name: SignalName;
  samples: number;
  first: { at: string; severity: Severity; score: number };
  last: { at: string; severity: Severity; score: number; summary: string };
  maxSeverity: Severity;
  maxScore: number;
  /** last.score - first.score */
  scoreChange: number;
  changed: boolean;
}

interface Row { at: string; name: SignalName; severity: Severity; score: number; summary: string; evidence: string }

/** `recent`: signals not (necessarily) stored, e.g. the background sampler's ring; merged by time, a sample stored too counted once. */
export function signalHistory(db: Db, sinceIso: string, names?: readonly SignalName[], limit = 200, recent: readonly Signal[] = []): { samples: Signal[]; trends: SignalTrend[] } {
  const rows = db.prepare('SELECT at, name, severity, score, summary, evidence FROM signal_samples WHERE at >= ? ORDER BY at, id').all(sinceIso) as Row[];
  const seen = new Set(rows.map((r) => `${r.at}|${r.name}`));
  const extra = recent.filter((s) => s.at >= sinceIso && !seen.has(`${s.at}|${s.name}`))
    .map((s): Row => ({ at: s.at, name: s.name, severity: s.severity, score: s.score, summary: s.summary, evidence: JSON.stringify(s.evidence) }));
  const merged = extra.length ? [...rows, ...extra].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0)) : rows;
  const wanted = merged.filter((r) => !names || names.includes(r.name));
  const byName = new Map<SignalName, Row[]>();
  for (const r of wanted) {
    const list = byName.get(r.name);
    if (list) list.push(r);
    else byName.set(r.name, [r]);
  }
  const trends: SignalTrend[] = [...byName.entries()].map(([name, list]) => {
    const first = list[0]!;
    const last = list[list.length - 1]!;
    const maxSeverity = list.reduce<Severity>((m, r) => (SEVERITIES.indexOf(r.severity) > SEVERITIES.indexOf(m) ? r.severity : m), 'none');
    return {
      name, samples: list.length,
      first: { at: first.at, severity: first.severity, score: first.score },
      last: { at: last.at, severity: last.severity, score: last.score, summary: last.summary },
      maxSeverity, maxScore: Math.max(...list.map((r) => r.score)),
      scoreChange: Math.round((last.score - first.score) * 1000) / 1000,
      changed: list.some((r) => r.severity !== first.severity),
    };
  });
  const samples = wanted.slice(-limit).map((r) => ({ at: r.at, name: r.name, severity: r.severity, score: r.score, summary: r.summary, evidence: JSON.parse(r.evidence) as Record<string, number> }));
  return { samples, trends };
}
