-- The eUICC public key results are verified with, kept once its certificate chain has validated
-- (src/services/euicc-keys.ts), so that no eIM instance validates the chain again on every start.
-- euicc_key_check binds it to what was validated: SHA-256 over the eUICC and EUM certificates and the
-- configured trust anchors; any change of these makes the key unusable until the chain validates again.
ALTER TABLE "euiccs" ADD COLUMN "euicc_public_key" bytea;
--> statement-breakpoint
ALTER TABLE "euiccs" ADD COLUMN "euicc_key_check" bytea;
