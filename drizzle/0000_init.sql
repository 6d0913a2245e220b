CREATE TABLE "associations" (
	"euicc_id" bigint NOT NULL,
	"eim_id" text NOT NULL,
	"counter_value" bigint DEFAULT 0 NOT NULL,
	"association_token" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "associations_euicc_id_eim_id_pk" PRIMARY KEY("euicc_id","eim_id")
);
--> statement-breakpoint
CREATE TABLE "download_sessions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"order_id" uuid,
	"euicc_id" bigint,
	"eim_transaction_id" "bytea",
	"smdp_address" text NOT NULL,
	"smdp_transaction_id" text,
	"matching_id" text,
	"state" text NOT NULL,
	"detail" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "euiccs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"tenant_id" text DEFAULT 'default' NOT NULL,
	"eid" text NOT NULL,
	"curve" text DEFAULT 'P-256' NOT NULL,
	"verification_policy" text DEFAULT 'enforce' NOT NULL,
	"euicc_certificate" "bytea",
	"eum_certificate" "bytea",
	"ipa_capabilities" jsonb,
	"tags" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"attributes" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"inventory_stale" boolean DEFAULT false NOT NULL,
	"last_state_change_cause" integer,
	"last_seen_at" timestamp with time zone,
	"last_seq_number" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notifications" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"euicc_id" bigint,
	"seq_number" bigint,
	"event" text NOT NULL,
	"iccid" text,
	"notification_address" text,
	"der" "bytea" NOT NULL,
	"verified" boolean DEFAULT false NOT NULL,
	"status" text DEFAULT 'received' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"forwarded_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "orders" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" text DEFAULT 'default' NOT NULL,
	"euicc_id" bigint NOT NULL,
	"kind" text NOT NULL,
	"request" jsonb NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"outcome" jsonb,
	"error" jsonb,
	"attempts" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"delivered_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"expires_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "packages" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"order_id" uuid NOT NULL,
	"euicc_id" bigint NOT NULL,
	"kind" text NOT NULL,
	"eim_transaction_id" "bytea" NOT NULL,
	"counter_value" bigint,
	"der" "bytea" NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"delivery_count" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"delivered_at" timestamp with time zone,
	"answered_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "profiles" (
	"euicc_id" bigint NOT NULL,
	"iccid" text NOT NULL,
	"isdp_aid" text,
	"state" text NOT NULL,
	"profile_class" text,
	"profile_name" text,
	"service_provider_name" text,
	"nickname" text,
	"fallback_attribute" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "profiles_euicc_id_iccid_pk" PRIMARY KEY("euicc_id","iccid")
);
--> statement-breakpoint
CREATE TABLE "results" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"euicc_id" bigint NOT NULL,
	"package_id" bigint,
	"kind" text NOT NULL,
	"seq_number" bigint,
	"der" "bytea" NOT NULL,
	"verified" boolean NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "associations" ADD CONSTRAINT "associations_euicc_id_euiccs_id_fk" FOREIGN KEY ("euicc_id") REFERENCES "public"."euiccs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "download_sessions" ADD CONSTRAINT "download_sessions_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "download_sessions" ADD CONSTRAINT "download_sessions_euicc_id_euiccs_id_fk" FOREIGN KEY ("euicc_id") REFERENCES "public"."euiccs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_euicc_id_euiccs_id_fk" FOREIGN KEY ("euicc_id") REFERENCES "public"."euiccs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_euicc_id_euiccs_id_fk" FOREIGN KEY ("euicc_id") REFERENCES "public"."euiccs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "packages" ADD CONSTRAINT "packages_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "packages" ADD CONSTRAINT "packages_euicc_id_euiccs_id_fk" FOREIGN KEY ("euicc_id") REFERENCES "public"."euiccs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "profiles" ADD CONSTRAINT "profiles_euicc_id_euiccs_id_fk" FOREIGN KEY ("euicc_id") REFERENCES "public"."euiccs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "results" ADD CONSTRAINT "results_euicc_id_euiccs_id_fk" FOREIGN KEY ("euicc_id") REFERENCES "public"."euiccs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "results" ADD CONSTRAINT "results_package_id_packages_id_fk" FOREIGN KEY ("package_id") REFERENCES "public"."packages"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "download_sessions_smdp_txid" ON "download_sessions" USING btree ("smdp_transaction_id");--> statement-breakpoint
CREATE INDEX "download_sessions_eim_txid" ON "download_sessions" USING btree ("eim_transaction_id");--> statement-breakpoint
CREATE UNIQUE INDEX "euiccs_eid" ON "euiccs" USING btree ("eid");--> statement-breakpoint
CREATE INDEX "euiccs_tenant" ON "euiccs" USING btree ("tenant_id");--> statement-breakpoint
CREATE INDEX "notifications_euicc" ON "notifications" USING btree ("euicc_id");--> statement-breakpoint
CREATE INDEX "orders_euicc_status" ON "orders" USING btree ("euicc_id","status");--> statement-breakpoint
CREATE INDEX "orders_tenant_created" ON "orders" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "packages_txid" ON "packages" USING btree ("eim_transaction_id");--> statement-breakpoint
CREATE INDEX "packages_euicc_status" ON "packages" USING btree ("euicc_id","status","id");--> statement-breakpoint
CREATE INDEX "results_euicc" ON "results" USING btree ("euicc_id");