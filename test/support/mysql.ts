import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';

/** SPEC §7: CRM_TEST_MYSQL_URL, else the local server (root, empty password, database `test`). */
export function adminUrl(): string {
  return process.env.CRM_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';
}

export async function adminConnection(): Promise<mysql.Connection> {
  return mysql.createConnection({ uri: adminUrl(), multipleStatements: true, timezone: 'Z' });
}

export interface CrmTestDatabase {
  /** The `CRM_MYSQL_*` variables for a service that mirrors into this database. */
  env: Record<string, string>;
  database: string;
  user: string;
  password: string;
  host: string;
  port: number;
  admin: mysql.Connection;
  /** Rows of the CRM table, oldest id first. */
  rows(): Promise<Array<{ id: number; user_id: string; username: string; direction: string; message: string; created_at: Date }>>;
  /** Rows of the CRM table with the columns named (a custom table's), oldest id first. */
  select(columns: string): Promise<Array<Record<string, any>>>;
  drop(): Promise<void>;
}

export interface CrmTableOptions {
  table?: string;
  messageColumn?: string;
  createdAtColumn?: string;
  /** The whole column list of a custom CRM table (the text between CREATE TABLE's parentheses). */
  definition?: string;
}

/**
 * A database of its own for one test: the CRM table as the CRM team might have it (by default an
 * id, the five columns igbridge writes, and extra columns with defaults; or `definition`), and a
 * user with a password that connects over TCP.
 */
export async function createCrmDatabase(options: CrmTableOptions = {}): Promise<CrmTestDatabase> {
  const suffix = randomBytes(4).toString('hex');
  const database = `igb_test_${suffix}`;
  const user = `igb_${suffix}`;
  const password = `pw-${randomBytes(8).toString('hex')}`;
  const table = options.table ?? 'messages';
  const admin = await adminConnection();
  const url = new URL(adminUrl());
  const host = url.hostname;
  const port = Number(url.port || 3306);
  await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`);
  await admin.query(`GRANT ALL PRIVILEGES ON \`${database}\`.* TO '${user}'@'%'`);
  await admin.query(`
    CREATE TABLE \`${database}\`.\`${table}\` (${options.definition ?? `
      id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
      user_id VARCHAR(64) NOT NULL,
      username VARCHAR(255) NOT NULL,
      direction ENUM('in', 'out') NOT NULL,
      message ${options.messageColumn ?? 'TEXT'} NOT NULL,
      created_at ${options.createdAtColumn ?? 'DATETIME(3)'} NOT NULL,
      channel VARCHAR(32) NOT NULL DEFAULT 'instagram',
      assigned_agent_id INT NULL,
      imported_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP`}
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  return {
    env: {
      CRM_MYSQL_ENABLED: 'true',
      CRM_MYSQL_HOST: host,
      CRM_MYSQL_PORT: String(port),
      CRM_MYSQL_USER: user,
      CRM_MYSQL_PASSWORD: password,
      CRM_MYSQL_DATABASE: database,
      CRM_MYSQL_TABLE: table,
    },
    database,
    user,
    password,
    host,
    port,
    admin,
    rows: async () => {
      const [rows] = await admin.query(`SELECT id, user_id, username, direction, message, created_at FROM \`${database}\`.\`${table}\` ORDER BY id`);
      return rows as any;
    },
    select: async (columns) => {
      const [rows] = await admin.query(`SELECT ${columns} FROM \`${database}\`.\`${table}\` ORDER BY id`);
      return rows as any;
    },
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS \`${database}\``).catch(() => {});
      await admin.query(`DROP USER IF EXISTS '${user}'@'%'`).catch(() => {});
      await admin.end().catch(() => {});
    },
  };
}

/** Holds a WRITE lock on the CRM's `messages` table, as another CRM client would; the function returned releases it. */
export async function lockCrmTable(crm: Pick<CrmTestDatabase, 'database'>): Promise<() => Promise<void>> {
  const locker = await adminConnection();
  await locker.query(`LOCK TABLES \`${crm.database}\`.\`messages\` WRITE`);
  return async () => {
    await locker.query('UNLOCK TABLES');
    await locker.end();
  };
}

export interface ProcessRow {
  ID: number;
  COMMAND: string;
  STATE: string | null;
  INFO: string | null;
  /** MariaDB: how long the current statement has run, in ms. */
  TIME_MS: number;
}

/** The CRM user's connections as the server sees them. */
export async function userConnections(crm: CrmTestDatabase): Promise<ProcessRow[]> {
  const [rows] = await crm.admin.query('SELECT ID, COMMAND, STATE, INFO, TIME_MS FROM information_schema.PROCESSLIST WHERE USER = ?', [crm.user]);
  return rows as ProcessRow[];
}
