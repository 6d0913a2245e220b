// `npm start`: the eIM on the embedded database (or PostgreSQL with DATABASE_URL), ESipa on HTTPS.
import { startEim, consoleLogger } from './app.ts';
import { downloadRelay } from './clients/download-relay.ts';
import { ConfigError, loadConfig } from './config/config.ts';
import { associationMaterial, describeAssociation } from './services/association.ts';
import { fromHex } from './lib/bytes.ts';
import { setFlagsFromString } from 'node:v8';

async function main(): Promise<void> {
  const config = loadConfig();
  // A bulk order's batches live across database round trips, so V8 promotes them and, while the eIM
  // allocates fast, grows its heap up to 4x what is alive: a million-member fan-out then peaked at 350 MB
  // for about 100 MB of live data. A smaller growth factor keeps the resident set near what is alive, for a
  // few more full collections (measured by npm run bench:fanout; README, Performance).
  if (config.heapGrowthPercent > 0) setFlagsFromString(`--heap-growing-percent=${config.heapGrowthPercent}`);
  const eim = await startEim(config, { relay: downloadRelay() });
  const set = eim.pki.sets[0]!;
  const signer = eim.deps.eim.signers[set.curve]!;
  const material = describeAssociation(
    associationMaterial({ eimId: config.eimId, eimFqdn: config.eimFqdn, signer, ...(set.roles.eimTls ? { tlsCertificate: set.roles.eimTls.certificate } : {}), euiccCiPKId: fromHex(set.ciPkId) }),
  );
  process.stdout.write(
    [
      '',
      `eIM ${config.eimId} is running`,
      `  ESipa (ASN.1 binding): ${eim.esipa.url}/gsma/rsp2/asn1`,
      `  ESipa (JSON binding):  ${eim.esipa.url}/gsma/rsp2/esipa/<function>`,
      `  operator API: ${eim.api.url}/api/v1 (reference: ${eim.api.url}/api/v1/docs)`,
      ...(eim.firstAdminKey ? [`  admin API key (shown once, keep it): ${eim.firstAdminKey.key}`] : []),
      `  database: ${config.databaseUrl ? 'PostgreSQL' : `embedded (${config.dataDir}/db)`}`,
      `  PKI: ${eim.pkiDir}${eim.generatedPki ? ' (development PKI generated now)' : ''}`,
      `  AddInitialEimRequest for devices (${set.curve}): ${material.addInitialEimRequest.hex}`,
      '',
      'Stop with Ctrl-C.',
      '',
    ].join('\n'),
  );
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await eim.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) consoleLogger.error(`configuration error: ${err.message}`);
  else consoleLogger.error('the eIM could not start', { error: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
