/** The columns each COPY fills, in the order the generator writes its values. */
export const TABLES = {
  regions: { table: 'regions', columns: ['code', 'name', 'level', 'parent_code', 'path'] },
  institutions: {
    table: 'institutions',
    columns: ['id', 'type', 'name', 'uscc', 'parent_id', 'region_code', 'net_assets', 'leverage_limit', 'single_client_limit_ratio'],
  },
  users: { table: 'users', columns: ['id', 'username', 'display_name', 'password_hash', 'role', 'region_code', 'institution_id', 'enterprise_id', 'active'] },
  enterprises: { table: 'enterprises', columns: ['id', 'name', 'uscc', 'kind', 'region_code', 'industry', 'legal_representative', 'status'] },
  households: {
    table: 'households',
    columns: [
      'id', 'household_number', 'head_name', 'id_number_ciphertext', 'id_number_hash', 'id_number_masked', 'birth_date', 'phone',
      'village_code', 'region_path', 'members', 'laborers', 'status', 'status_since', 'is_demonstration', 'demonstration_since',
    ],
  },
  history: { table: 'household_history', columns: ['household_id', 'kind', 'status', 'is_demonstration', 'effective_date', 'reason', 'changed_by'] },
  linkages: {
    table: 'linkages',
    columns: [
      'id', 'source_kind', 'source_id', 'source_enterprise_id', 'source_household_id', 'household_id', 'type', 'agreement_number',
      'start_date', 'end_date', 'agreed_annual_benefit', 'region_path', 'ended_on', 'end_reason', 'created_by',
    ],
  },
  funds: { table: 'risk_funds', columns: ['id', 'county_code', 'bank_id', 'model_code', 'multiple', 'balance', 'region_path'] },
  movements: {
    table: 'fund_movements',
    columns: ['fund_id', 'kind', 'amount', 'balance_after', 'occurred_on', 'reference', 'idempotency_key', 'claim_id', 'created_by'],
  },
  loans: {
    table: 'loans',
    columns: [
      'id', 'bank_id', 'branch_id', 'contract_number', 'model_code', 'model_version_id', 'borrower_kind', 'household_id',
      'exclusive_household_id', 'enterprise_id', 'region_path', 'principal', 'outstanding_principal', 'rate_annual',
      'reference_rate_annual', 'contract_date', 'disbursement_date', 'maturity_date', 'current_maturity_date', 'term_months',
      'repayment_method', 'purpose', 'agreement_number', 'driven_households', 'guarantor_id', 'risk_fund_id', 'status',
      'days_past_due', 'delinquency_as_of', 'schedule_version', 'closed_on', 'created_by',
    ],
  },
  schedule: { table: 'loan_schedule', columns: ['loan_id', 'version', 'seq', 'due_date', 'principal_due', 'interest_due'] },
  repayments: {
    table: 'repayments',
    columns: ['id', 'loan_id', 'kind', 'paid_on', 'principal', 'interest', 'penalty', 'reverses_id', 'idempotency_key', 'note', 'created_by'],
  },
  events: { table: 'loan_events', columns: ['loan_id', 'kind', 'effective_date', 'from_status', 'to_status', 'details', 'created_by'] },
  audit: {
    table: 'audit_log',
    columns: ['actor_user_id', 'actor_role', 'action', 'entity_type', 'entity_id', 'before', 'after', 'request_id', 'region_path', 'institution_id'],
  },
  guarantees: {
    table: 'guarantees',
    columns: [
      'id', 'loan_id', 'guarantor_id', 'guaranteed_amount', 'coverage_ratio', 'fee_rate_annual', 'fee_subsidy_rate_annual',
      'requested_disbursement_date', 'status', 'filed_by', 'decided_by', 'decided_at', 'decided_on', 'decision_reason', 'letter_number',
    ],
  },
  targets: { table: 'targets', columns: ['scope', 'region_code', 'bank_id', 'enterprises', 'demonstration_households', 'linked_households', 'updated_by'] },
} as const;

export type TableKey = keyof typeof TABLES;
