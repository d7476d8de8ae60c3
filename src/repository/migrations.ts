// The repository's own tables. Version 1 was the first release (policies + status history);
// version 2 added evidence, performance history and deployment outcomes; version 3 the policy's headers. Never edit a released
// migration: add a new one.
import type { Migration } from '../db/index.js';

export const repositoryMigrations: Migration[] = [
  {
    component: 'repository',
    version: 1,
    description: 'policies (versioned, with lineage) and their status history',
    up: (db) => db.exec(`
      CREATE TABLE policies (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        version INTEGER NOT NULL CHECK (version >= 1),
        source TEXT NOT NULL,
        source_sha256 TEXT NOT NULL,
        object_sha256 TEXT,
        description TEXT NOT NULL,
        algorithm TEXT NOT NULL,
        metadata_json TEXT NOT NULL,
        provenance TEXT NOT NULL CHECK (provenance IN ('built-in','agent-submitted','imported')),
        parent_id INTEGER REFERENCES policies(id),
        status TEXT NOT NULL CHECK (status IN ('candidate','verified','promoted','quarantined','retired')),
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        UNIQUE (name, version));
      CREATE INDEX policies_sha ON policies(source_sha256);
      CREATE TABLE policy_status_changes (
        id INTEGER PRIMARY KEY,
        policy_id INTEGER NOT NULL REFERENCES policies(id),
        from_status TEXT, to_status TEXT NOT NULL, reason TEXT NOT NULL, actor TEXT NOT NULL,
        at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')));
      CREATE INDEX policy_status_changes_policy ON policy_status_changes(policy_id, id);`),
  },
  {
    component: 'repository',
    version: 2,
    description: 'verification evidence, performance history and deployment outcomes',
    up: (db) => db.exec(`
      CREATE TABLE policy_verifications (
        id INTEGER PRIMARY KEY,
        policy_id INTEGER NOT NULL REFERENCES policies(id),
        verification_id TEXT NOT NULL, verdict TEXT NOT NULL CHECK (verdict IN ('pass','warn','fail')),
        token_id TEXT, detail TEXT,
        at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')));
      CREATE INDEX policy_verifications_policy ON policy_verifications(policy_id, id);
      CREATE TABLE policy_performance (
        id INTEGER PRIMARY KEY,
        policy_id INTEGER NOT NULL REFERENCES policies(id),
        workload TEXT NOT NULL, metric TEXT NOT NULL,
        direction TEXT NOT NULL CHECK (direction IN ('lower_is_better','higher_is_better')),
        value REAL NOT NULL, baseline REAL, ratio REAL, spread REAL, host TEXT, kit TEXT,
        source TEXT NOT NULL CHECK (source IN ('verify_run','benchmark','deployment')),
        at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')));
      CREATE INDEX policy_performance_policy ON policy_performance(policy_id, workload);
      CREATE TABLE policy_deployments (
        id INTEGER PRIMARY KEY,
        policy_id INTEGER NOT NULL REFERENCES policies(id),
        result TEXT NOT NULL CHECK (result IN ('success','failure','rolled_back')),
        detail TEXT, host TEXT,
        at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')));
      CREATE INDEX policy_deployments_policy ON policy_deployments(policy_id, id);`),
  },
  {
    component: 'repository',
    version: 3,
    description: 'a policy\'s own headers (quoted includes beside its .bpf.c), stored with its source',
    up: (db) => db.exec('ALTER TABLE policies ADD COLUMN headers_json TEXT'),
  },
];
