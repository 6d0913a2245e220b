// The eIM's tables (drizzle-orm, PostgreSQL dialect: the same schema runs on PGlite and PostgreSQL).
// Binary protocol data (certificates, packages as delivered, signed results) is kept verbatim as bytea,
// so a signature can always be checked again over the bytes that travelled.
import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, customType, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

/** bytea as Uint8Array on both drivers (pg returns Buffer, a Uint8Array subclass). */
export const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  toDriver: (v) => v,
  fromDriver: (v) => (v instanceof Uint8Array ? v : new Uint8Array(v as ArrayBuffer)),
});

const created = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** An eUICC this eIM manages, identified by its EID (32 hex digits, upper case). */
export const euiccs = pgTable(
  'euiccs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    tenantId: text('tenant_id').notNull().default('default'),
    eid: text('eid').notNull(),
    /** Curve of the eIM key the packages for this eUICC are signed with. */
    curve: text('curve').notNull().default('P-256'),
    /** `enforce` (default): only verified results change state. `off`: labs only, logged on each use. */
    verificationPolicy: text('verification_policy').notNull().default('enforce'),
    euiccCertificate: bytea('euicc_certificate'),
    eumCertificate: bytea('eum_certificate'),
    /** SPKI of the eUICC certificate's key, kept once the chain validated (drizzle/0006). */
    euiccPublicKey: bytea('euicc_public_key'),
    /** SHA-256 binding euiccPublicKey to the certificates and trust anchors it was validated with. */
    euiccKeyCheck: bytea('euicc_key_check'),
    ipaCapabilities: jsonb('ipa_capabilities'),
    /** Where the IPA listens for TransferEimPackage (inject mode), when it offers one. */
    injectUrl: text('inject_url'),
    tags: jsonb('tags').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    attributes: jsonb('attributes').$type<Record<string, string>>().notNull().default(sql`'{}'::jsonb`),
    /** Set by a notifyStateChange; cleared when a fresh profile inventory arrives. */
    inventoryStale: boolean('inventory_stale').notNull().default(false),
    lastStateChangeCause: integer('last_state_change_cause'),
    lastSeenAt: ts('last_seen_at'),
    /** Highest seqNumber of a result or notification accepted from this eUICC (SGP.32 v1.2 §5.14.6 ordering). */
    lastSeqNumber: bigint('last_seq_number', { mode: 'number' }),
    createdAt: created(),
  },
  (t) => [uniqueIndex('euiccs_eid').on(t.eid), index('euiccs_tenant').on(t.tenantId)],
);

/** This eIM's association with one eUICC: the replay counter and association token (SGP.32 v1.2 §3.2, §3.6). */
export const associations = pgTable(
  'associations',
  {
    euiccId: bigint('euicc_id', { mode: 'number' })
      .notNull()
      .references(() => euiccs.id, { onDelete: 'cascade' }),
    eimId: text('eim_id').notNull(),
    /** Last counterValue used in a package (persisted before the package leaves). */
    counterValue: bigint('counter_value', { mode: 'number' }).notNull().default(0),
    associationToken: bigint('association_token', { mode: 'number' }),
    createdAt: created(),
  },
  (t) => [primaryKey({ columns: [t.euiccId, t.eimId] })],
);

/** An operator's request for one eUICC. */
export const orders = pgTable(
  'orders',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: text('tenant_id').notNull().default('default'),
    euiccId: bigint('euicc_id', { mode: 'number' })
      .notNull()
      .references(() => euiccs.id, { onDelete: 'cascade' }),
    /** psmo | eco | euiccData | download */
    kind: text('kind').notNull(),
    request: jsonb('request').notNull(),
    /** queued -> delivered -> done | failed | expired | cancelled */
    status: text('status').notNull().default('queued'),
    outcome: jsonb('outcome'),
    error: jsonb('error'),
    attempts: integer('attempts').notNull().default(0),
    /** Set when the order is one of a bulk order for a group. */
    bulkId: uuid('bulk_id'),
    /** Set for a download order that uses an activation code from a pool. */
    activationCodeId: bigint('activation_code_id', { mode: 'number' }),
    createdAt: created(),
    deliveredAt: ts('delivered_at'),
    completedAt: ts('completed_at'),
    expiresAt: ts('expires_at'),
  },
  (t) => [index('orders_euicc_status').on(t.euiccId, t.status), index('orders_tenant_created').on(t.tenantId, t.createdAt), index('orders_bulk').on(t.bulkId)],
);

/** An eIM package as it leaves for the eUICC (SGP.32 v1.2 §2.11): built, signed and stored before delivery. */
export const packages = pgTable(
  'packages',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    orderId: uuid('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    euiccId: bigint('euicc_id', { mode: 'number' })
      .notNull()
      .references(() => euiccs.id, { onDelete: 'cascade' }),
    /** euiccPackageRequest | ipaEuiccDataRequest | profileDownloadTriggerRequest */
    kind: text('kind').notNull(),
    eimTransactionId: bytea('eim_transaction_id').notNull(),
    counterValue: bigint('counter_value', { mode: 'number' }),
    /** The GetEimPackageResponse alternative exactly as delivered (re-delivered unchanged). */
    der: bytea('der').notNull(),
    /** queued -> delivered -> answered | cancelled | expired */
    status: text('status').notNull().default('queued'),
    deliveryCount: integer('delivery_count').notNull().default(0),
    createdAt: created(),
    deliveredAt: ts('delivered_at'),
    answeredAt: ts('answered_at'),
  },
  (t) => [uniqueIndex('packages_txid').on(t.eimTransactionId), index('packages_euicc_status').on(t.euiccId, t.status, t.id)],
);

/** Results received from eUICCs, verbatim, with the outcome of their verification. */
export const results = pgTable(
  'results',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    euiccId: bigint('euicc_id', { mode: 'number' })
      .notNull()
      .references(() => euiccs.id, { onDelete: 'cascade' }),
    packageId: bigint('package_id', { mode: 'number' }).references(() => packages.id, { onDelete: 'set null' }),
    kind: text('kind').notNull(),
    seqNumber: bigint('seq_number', { mode: 'number' }),
    der: bytea('der').notNull(),
    verified: boolean('verified').notNull(),
    receivedAt: created(),
  },
  (t) => [index('results_euicc').on(t.euiccId)],
);

/** The profile inventory of each eUICC, as last reported. */
export const profiles = pgTable(
  'profiles',
  {
    euiccId: bigint('euicc_id', { mode: 'number' })
      .notNull()
      .references(() => euiccs.id, { onDelete: 'cascade' }),
    iccid: text('iccid').notNull(),
    isdpAid: text('isdp_aid'),
    /** disabled | enabled */
    state: text('state').notNull(),
    profileClass: text('profile_class'),
    profileName: text('profile_name'),
    serviceProviderName: text('service_provider_name'),
    nickname: text('nickname'),
    fallbackAttribute: boolean('fallback_attribute').notNull().default(false),
    updatedAt: created(),
  },
  (t) => [primaryKey({ columns: [t.euiccId, t.iccid] })],
);

/** Notifications received from eUICCs (SGP.22 PendingNotification), and whether they were forwarded. */
export const notifications = pgTable(
  'notifications',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    euiccId: bigint('euicc_id', { mode: 'number' }).references(() => euiccs.id, { onDelete: 'cascade' }),
    seqNumber: bigint('seq_number', { mode: 'number' }),
    /** install | enable | disable | delete | other */
    event: text('event').notNull(),
    iccid: text('iccid'),
    notificationAddress: text('notification_address'),
    der: bytea('der').notNull(),
    verified: boolean('verified').notNull().default(false),
    /** received -> forwarded | failed */
    status: text('status').notNull().default('received'),
    receivedAt: created(),
    forwardedAt: ts('forwarded_at'),
  },
  (t) => [index('notifications_euicc').on(t.euiccId)],
);

/** State of an indirect profile download relayed between ESipa and ES9+ (SGP.32 v1.2 §3.2). */
export const downloadSessions = pgTable(
  'download_sessions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    orderId: uuid('order_id').references(() => orders.id, { onDelete: 'set null' }),
    euiccId: bigint('euicc_id', { mode: 'number' }).references(() => euiccs.id, { onDelete: 'cascade' }),
    eimTransactionId: bytea('eim_transaction_id'),
    smdpAddress: text('smdp_address').notNull(),
    smdpTransactionId: text('smdp_transaction_id'),
    matchingId: text('matching_id'),
    /** initiated -> authenticated -> bppDelivered -> done | cancelled | failed */
    state: text('state').notNull(),
    detail: jsonb('detail'),
    createdAt: created(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [index('download_sessions_smdp_txid').on(t.smdpTransactionId), index('download_sessions_eim_txid').on(t.eimTransactionId)],
);

// ---------------------------------------------------------------------------------------------
// Operator API and fleet management (issue 6)

/** API keys: the secret is shown once; only its SHA-256 is kept. Each key acts for one tenant. */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: text('tenant_id').notNull(),
    name: text('name').notNull(),
    /** admin | operator | viewer */
    role: text('role').notNull(),
    /** First characters of the key, shown in lists and used to find the row. */
    prefix: text('prefix').notNull(),
    secretHash: bytea('secret_hash').notNull(),
    createdAt: created(),
    lastUsedAt: ts('last_used_at'),
    revokedAt: ts('revoked_at'),
  },
  (t) => [uniqueIndex('api_keys_prefix').on(t.prefix), index('api_keys_tenant').on(t.tenantId)],
);

/** Every mutating API call: who, what, when, result. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    tenantId: text('tenant_id').notNull(),
    keyId: uuid('key_id'),
    method: text('method').notNull(),
    path: text('path').notNull(),
    action: text('action').notNull(),
    target: text('target'),
    status: integer('status').notNull(),
    details: jsonb('details'),
    createdAt: created(),
  },
  (t) => [index('audit_log_tenant').on(t.tenantId, t.id)],
);

/** Groups of eUICCs: static (explicit members) or dynamic (a filter on tags and attributes). */
export const groups = pgTable(
  'groups',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: text('tenant_id').notNull(),
    name: text('name').notNull(),
    /** static | dynamic */
    kind: text('kind').notNull(),
    /** For dynamic groups: { tags?: string[] (all required), attributes?: Record<string,string> (all equal) }. */
    filter: jsonb('filter'),
    createdAt: created(),
  },
  (t) => [uniqueIndex('groups_tenant_name').on(t.tenantId, t.name)],
);

export const groupMembers = pgTable(
  'group_members',
  {
    groupId: uuid('group_id')
      .notNull()
      .references(() => groups.id, { onDelete: 'cascade' }),
    euiccId: bigint('euicc_id', { mode: 'number' })
      .notNull()
      .references(() => euiccs.id, { onDelete: 'cascade' }),
    addedAt: created(),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.euiccId] }), index('group_members_euicc').on(t.euiccId)],
);

/** A pool of activation codes imported from files (the batch flow). */
export const pools = pgTable(
  'pools',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: text('tenant_id').notNull(),
    name: text('name').notNull(),
    createdAt: created(),
  },
  (t) => [uniqueIndex('pools_tenant_name').on(t.tenantId, t.name)],
);

/** One single-use activation code: available -> reserved -> downloading -> installed | failed; retired. */
export const activationCodes = pgTable(
  'activation_codes',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    poolId: uuid('pool_id')
      .notNull()
      .references(() => pools.id, { onDelete: 'cascade' }),
    tenantId: text('tenant_id').notNull(),
    iccid: text('iccid'),
    smdpAddress: text('smdp_address').notNull(),
    matchingId: text('matching_id').notNull(),
    confirmationCode: text('confirmation_code'),
    operator: text('operator'),
    ratePlan: text('rate_plan'),
    country: text('country'),
    state: text('state').notNull().default('available'),
    euiccId: bigint('euicc_id', { mode: 'number' }).references(() => euiccs.id, { onDelete: 'set null' }),
    orderId: uuid('order_id').references(() => orders.id, { onDelete: 'set null' }),
    // No updated_at column: each change of a code is an event (code.*), which carries its time.
    createdAt: created(),
  },
  (t) => [
    uniqueIndex('activation_codes_pool_matching').on(t.poolId, t.smdpAddress, t.matchingId),
    index('activation_codes_pool_state').on(t.poolId, t.state, t.id),
    index('activation_codes_euicc').on(t.euiccId),
  ],
);

/** A pool assigned to a group: members without a profile from the pool get a code and a download order. */
export const poolAssignments = pgTable(
  'pool_assignments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: text('tenant_id').notNull(),
    poolId: uuid('pool_id')
      .notNull()
      .references(() => pools.id, { onDelete: 'cascade' }),
    groupId: uuid('group_id')
      .notNull()
      .references(() => groups.id, { onDelete: 'cascade' }),
    enableAfterInstall: boolean('enable_after_install').notNull().default(false),
    /** active | removed */
    status: text('status').notNull().default('active'),
    createdAt: created(),
    removedAt: ts('removed_at'),
  },
  (t) => [index('pool_assignments_group').on(t.groupId)],
);

/** Every change of an order, eUICC, profile or code, in order: the cursor is the id. */
export const events = pgTable(
  'events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    tenantId: text('tenant_id').notNull(),
    /** entity.verb, e.g. order.completed, profile.enabled, code.reserved */
    type: text('type').notNull(),
    subjectType: text('subject_type').notNull(),
    subjectId: text('subject_id').notNull(),
    data: jsonb('data').notNull(),
    createdAt: created(),
  },
  (t) => [index('events_tenant_id').on(t.tenantId, t.id)],
);

export const webhooks = pgTable(
  'webhooks',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: text('tenant_id').notNull(),
    url: text('url').notNull(),
    secret: text('secret').notNull(),
    /** Event types delivered (empty: all). */
    eventTypes: jsonb('event_types').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    active: boolean('active').notNull().default(true),
    /** Last event id handed to the delivery queue. */
    cursor: bigint('cursor', { mode: 'number' }).notNull().default(0),
    createdAt: created(),
  },
  (t) => [index('webhooks_tenant').on(t.tenantId)],
);

export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    webhookId: uuid('webhook_id')
      .notNull()
      .references(() => webhooks.id, { onDelete: 'cascade' }),
    eventId: bigint('event_id', { mode: 'number' }).notNull(),
    /** pending -> delivered | failed (after the last retry) */
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    responseStatus: integer('response_status'),
    error: text('error'),
    nextAttemptAt: ts('next_attempt_at'),
    createdAt: created(),
    deliveredAt: ts('delivered_at'),
  },
  (t) => [uniqueIndex('webhook_deliveries_pair').on(t.webhookId, t.eventId), index('webhook_deliveries_due').on(t.status, t.nextAttemptAt)],
);

/** A bulk order for a group (one order per member), run in batches: its progress, committed with each batch. */
export const bulkOrders = pgTable(
  'bulk_orders',
  {
    id: uuid('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    groupId: uuid('group_id').notNull(),
    kind: text('kind').notNull(),
    /** running -> done | failed */
    status: text('status').notNull().default('running'),
    created: integer('created').notNull().default(0),
    failed: integer('failed').notNull().default(0),
    /** The first failures (eid, code, message), at most 1000 kept. */
    failures: jsonb('failures').notNull().default(sql`'[]'::jsonb`),
    createdAt: created(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    finishedAt: ts('finished_at'),
  },
  (t) => [index('bulk_orders_tenant').on(t.tenantId, t.createdAt)],
);
