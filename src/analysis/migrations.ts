// Tables owned by the analysis component: signal samples (history and trends), workload runs with
// their trials, and named baselines.
import type { Migration } from '../db/index.js';

export const analysisMigrations: readonly Migration[] = [
  {
    component: 'analysis', version: 1, description: 'signal samples, workload runs, baselines',
    up(db) {
      db.exec(`
        CREATE TABLE signal_samples (
          id INTEGER PRIMARY KEY, at TEXT NOT NULL, name TEXT NOT NULL, severity TEXT NOT NULL,
          score REAL NOT NULL, summary TEXT NOT NULL, evidence TEXT NOT NULL);
        CREATE INDEX signal_samples_at ON signal_samples (at, name);
        CREATE TABLE workload_runs (
          id INTEGER PRIMARY KEY, workload TEXT NOT NULL, params TEXT NOT NULL, started_at TEXT NOT NULL,
          finished_at TEXT NOT NULL, primary_metric TEXT NOT NULL, direction TEXT NOT NULL,
          trials TEXT NOT NULL, summary TEXT NOT NULL, kernel TEXT NOT NULL);
        CREATE TABLE workload_baselines (
          name TEXT PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES workload_runs (id),
          created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')));
      `);
    },
  },
];
