import { ConfigError } from './config-error.js';
import { PLAIN_IDENTIFIER } from './config-schema.js';
import { CRM_FIELDS, DEFAULT_CRM_MAPPING, type CrmField, type CrmMapping } from './domain/crm-mapping.js';

/**
 * SPEC §10: CRM_MYSQL_COLUMNS (`field=column,...`), CRM_MYSQL_DIRECTION_VALUES (`in,out`) and
 * CRM_MYSQL_UNSEND (`keep`|`blank`). Unset → the seed's table exactly. Throws ConfigError naming
 * the variable and the entry at fault.
 */
export function readCrmMapping(columns: string | null, directions: string | null, unsend: string | null): CrmMapping {
  return {
    columns: readColumns(columns),
    directionValues: readDirections(directions),
    unsend: readUnsend(unsend),
  };
}

function readColumns(raw: string | null): CrmMapping['columns'] {
  const name = 'CRM_MYSQL_COLUMNS';
  const columns: Partial<Record<CrmField, string>> = { ...DEFAULT_CRM_MAPPING.columns };
  const seen = new Set<string>();
  for (const entry of (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const match = /^([^=\s]+)\s*=\s*(\S*)$/.exec(entry);
    if (!match) throw new ConfigError(name, `"${entry}" is not field=column`);
    const [, field, column] = match;
    if (!(CRM_FIELDS as readonly string[]).includes(field)) {
      throw new ConfigError(name, `unknown field "${field}" (fields: ${CRM_FIELDS.join(', ')})`);
    }
    if (seen.has(field)) throw new ConfigError(name, `field "${field}" is mapped twice`);
    if (!PLAIN_IDENTIFIER.test(column)) {
      throw new ConfigError(name, `"${entry}": the column must be a plain column name (letters, digits, _ and $)`);
    }
    seen.add(field);
    columns[field as CrmField] = column;
  }
  const byColumn = new Map<string, string>();
  for (const [field, column] of Object.entries(columns)) {
    const other = byColumn.get(column.toLowerCase());
    if (other) throw new ConfigError(name, `fields "${other}" and "${field}" both map to column "${column}"`);
    byColumn.set(column.toLowerCase(), field);
  }
  return columns as CrmMapping['columns'];
}

function readDirections(raw: string | null): CrmMapping['directionValues'] {
  if (raw === null) return DEFAULT_CRM_MAPPING.directionValues;
  const values = raw.split(',').map((s) => s.trim());
  if (values.length !== 2 || values.some((v) => v === '' || v.length > 64)) {
    throw new ConfigError('CRM_MYSQL_DIRECTION_VALUES', `must be two values, inbound first (e.g. "inbound,outbound" or "0,1"), got "${raw}"`);
  }
  if (values[0] === values[1]) throw new ConfigError('CRM_MYSQL_DIRECTION_VALUES', `the two values must differ, got "${raw}"`);
  return { in: values[0], out: values[1] };
}

function readUnsend(raw: string | null): CrmMapping['unsend'] {
  const value = raw?.toLowerCase() ?? 'keep';
  if (value !== 'keep' && value !== 'blank') throw new ConfigError('CRM_MYSQL_UNSEND', `must be keep or blank, got "${raw}"`);
  return value;
}
