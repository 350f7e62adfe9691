import { CRM_FIELDS } from '../../domain/crm-mapping.js';
import type { CrmTableFit } from './crm-table-fit.js';

const MODES: Record<CrmTableFit['idempotency'], string> = {
  'mid-unique': 'INSERT … ON DUPLICATE KEY UPDATE on the mid column (UNIQUE): every write is idempotent',
  'mid-check': 'INSERT; a write with an unknown outcome is checked by mid before it is repeated',
  'natural-key': 'INSERT; a write with an unknown outcome is checked by user_id, direction, created_at and message before it is repeated',
};

/** The mapping in use, in one line: `field→column` for each mapped field, then the direction values. */
export function mappingLine(fit: CrmTableFit): string {
  const pairs = CRM_FIELDS.filter((f) => fit.mapping.columns[f] !== undefined).map((f) => `${f}→${fit.mapping.columns[f]}`);
  const { directionValues: d } = fit.mapping;
  return `${pairs.join(', ')}; direction in→${d.in}, out→${d.out}`;
}


/** `npm run crm:check`'s report: the mapping with each column's type, the idempotency mode, the TODO, warnings and misfits. */
export function fitReport(fit: CrmTableFit): string[] {
  const lines = [`CRM table ${fit.table}: ${fit.fits ? 'fits' : 'does NOT fit'}`, 'mapping:'];
  for (const field of CRM_FIELDS) {
    const wanted = fit.mapping.columns[field];
    const column = fit.columns[field];
    if (wanted !== undefined) lines.push(`  ${field.padEnd(11)} → ${wanted}${column ? ` (${column.columnType})` : ' (MISSING)'}`);
  }
  lines.push(`  direction values: in → ${fit.mapping.directionValues.in}, out → ${fit.mapping.directionValues.out}`);
  lines.push(`missing fields: ${fit.lacking.length === 0 ? 'none' : fit.lacking.join(', ')}`);
  lines.push(`idempotency: ${fit.idempotency} — ${MODES[fit.idempotency]}`);
  lines.push(fit.todo);
  for (const warning of fit.warnings) lines.push(`warning: ${warning}`);
  for (const error of fit.errors) lines.push(`error: ${error}`);
  return lines;
}
