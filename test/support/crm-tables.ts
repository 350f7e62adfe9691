import mysql from 'mysql2/promise';
import type { CrmQuery } from '../../src/adapters/mysql/crm-table-inspection.js';
import type { CrmTestDatabase } from './mysql.js';

/**
 * A CRM table unlike the seed's: its own column names, `inbound`/`outbound`, and an external id
 * with a UNIQUE key (README's second worked example).
 */
export const RENAMED_TABLE = `
  id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  ig_user_id VARCHAR(32) NOT NULL,
  ig_username VARCHAR(64) NOT NULL,
  dir ENUM('inbound', 'outbound') NOT NULL,
  body TEXT NOT NULL,
  sent_at DATETIME(3) NOT NULL,
  external_id VARCHAR(191) UNIQUE,
  edited_at DATETIME(3) NULL,
  deleted_at DATETIME(3) NULL,
  channel VARCHAR(32) NOT NULL DEFAULT 'instagram'`;

/** The variables that fit igbridge to RENAMED_TABLE. */
export const RENAMED_ENV = {
  CRM_MYSQL_COLUMNS: 'user_id=ig_user_id,username=ig_username,direction=dir,message=body,created_at=sent_at,mid=external_id,edited_at=edited_at,deleted_at=deleted_at',
  CRM_MYSQL_DIRECTION_VALUES: 'inbound,outbound',
};

/** A connection as the CRM user (not root), and the query function the inspection takes. */
export async function crmUserQuery(crm: CrmTestDatabase): Promise<{ query: CrmQuery; close(): Promise<void> }> {
  const connection = await mysql.createConnection({ host: crm.host, port: crm.port, user: crm.user, password: crm.password, database: crm.database });
  return {
    query: async (sql, params) => (await connection.query(sql, params))[0] as Record<string, unknown>[],
    close: () => connection.end(),
  };
}
