// A fleet of simulated devices for the demo and docker-compose: each a virtual eUICC given this eIM's
// association material (ES10b.AddInitialEim, SGP.32 v1.2 §5.9.4), registered through the operator API
// with the association token it returned, and an IPA simulator polling the eIM's ESipa URL.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/config.ts';
import type { Curve } from '../crypto/engine.ts';
import { loadPkiDirectory, type LoadedPki } from '../crypto/pki-directory.ts';
import { fromHex } from '../lib/bytes.ts';
import { associationMaterial } from '../services/association.ts';
import { trustedCaPem } from '../../simulators/common/tls.ts';
import { VirtualEuicc } from '../../simulators/euicc/euicc.ts';
import { IpaSimulator } from '../../simulators/ipa/index.ts';
import { ApiClient } from './api-client.ts';
import { importEuiccs } from './euiccs.ts';
import { usage } from './output.ts';

export interface FleetDevice {
  eid: string;
  curve: Curve;
  card: VirtualEuicc;
  ipa: IpaSimulator;
}

export interface FleetOptions {
  pkiDir: string;
  count: number;
  /** Device i is eUICC number i of the PKI, on curves[i % curves.length] (the test PKI gives eUICC i the same EID on every curve). */
  curves: Curve[];
  eim: { eimId: string; eimFqdn: string; esipaUrl: string; servername?: string };
  api: ApiClient;
  /** Keep each eUICC in a state file here; a device already associated with this eIM is not provisioned again. */
  stateDir?: string;
  binding?: 'asn1' | 'json';
  /** Direct download: where an SM-DP+ address is reached. */
  smdpUrl?: (address: string) => string;
  tags?: string[];
}

/** The EimConfigurationData a device of this curve gets, as `eim association` prints it. */
function materialFor(pki: LoadedPki, curve: Curve, eim: FleetOptions['eim']) {
  const set = pki.sets.find((s) => s.curve === curve);
  if (!set?.roles.eimSign?.signer) throw usage(`the PKI has no ${curve} eIM signing key`);
  return associationMaterial({ eimId: eim.eimId, eimFqdn: eim.eimFqdn, signer: set.roles.eimSign.signer, ...(set.roles.eimTls ? { tlsCertificate: set.roles.eimTls.certificate } : {}), euiccCiPKId: fromHex(set.ciPkId) }).eimConfigurationData;
}

/** Associates and registers `count` devices; resolves once the eIM knows every one of them. */
export async function provisionFleet(o: FleetOptions): Promise<FleetDevice[]> {
  const pki = loadPkiDirectory(o.pkiDir);
  const ca = trustedCaPem(pki);
  const devices: FleetDevice[] = [];
  const registrations: Record<string, unknown>[] = [];
  if (o.stateDir) mkdirSync(o.stateDir, { recursive: true });
  for (let i = 0; i < o.count; i++) {
    const curve = o.curves[i % o.curves.length]!;
    const euiccIndex = i;
    const stateFile = o.stateDir ? join(o.stateDir, `euicc-${curve}-${euiccIndex}.json`) : undefined;
    const card = VirtualEuicc.fromPki(o.pkiDir, { curve, euiccIndex, ...(stateFile ? { stateFile } : {}) });
    const known = card.eims().find((e) => e.eimId === o.eim.eimId);
    if (known) {
      // Associated in an earlier run (state file): registered again if that run stopped before registering it.
      const found = await o.api.get(`/euiccs/${card.eid}`).then(
        () => true,
        (e: unknown) => ((e as { status?: number }).status === 404 ? false : Promise.reject(e)),
      );
      if (!found) registrations.push({ eid: card.eid, curve, counterValue: Number(known.counterValue ?? 0), ...(known.associationToken !== undefined ? { associationToken: Number(known.associationToken) } : {}), ...(o.tags ? { tags: o.tags } : {}) });
    } else {
      const r = await card.addInitialEim([materialFor(pki, curve, o.eim)]);
      if (!('addInitialEimOk' in r)) throw new Error(`AddInitialEim refused by ${card.eid}: ${JSON.stringify(r)}`);
      const first = r.addInitialEimOk[0]!;
      const token = 'associationToken' in first ? Number(first.associationToken) : undefined;
      registrations.push({ eid: card.eid, curve, counterValue: 0, ...(token !== undefined ? { associationToken: token } : {}), ...(o.tags ? { tags: o.tags } : {}) });
    }
    const ipa = new IpaSimulator({
      card,
      eimUrl: o.eim.esipaUrl,
      binding: o.binding ?? 'asn1',
      ca,
      ...(o.eim.servername ? { servername: o.eim.servername } : {}),
      smdp: { ca, ...(o.smdpUrl ? { url: o.smdpUrl } : {}) },
      retry: { attempts: 3 },
    });
    devices.push({ eid: card.eid, curve, card, ipa });
  }
  if (registrations.length) await importEuiccs(o.api, registrations, 1000);
  return devices;
}

/** Every device polls until the signal fires. */
export function runFleet(devices: FleetDevice[], options: { intervalMs: number; signal: AbortSignal; onError?: (eid: string, err: unknown) => void }): Promise<void[]> {
  return Promise.all(devices.map((d) => d.ipa.run({ intervalMs: options.intervalMs, signal: options.signal, onError: (e) => options.onError?.(d.eid, e) })));
}

export function registerFleetCommand(sim: Command): void {
  sim
    .command('fleet')
    .description('N devices (virtual eUICC + IPA) associated with the eIM and registered through its API (EIM_API_URL, EIM_API_KEY), polling until stopped')
    .requiredOption('--eim <url>', 'the eIM ESipa base URL, e.g. https://eim:8443')
    .requiredOption('--pki <dir>', "the eIM's PKI directory (eUICC credentials, the eIM's signing and TLS certificates, the CIs)")
    .option('--devices <n>', 'number of devices', '5')
    .option('--curve <curve>', 'P-256, brainpoolP256r1 or both (alternating)', 'P-256')
    .option('--state-dir <dir>', 'keep the eUICCs in state files here (a restart keeps the associations)')
    .option('--interval <seconds>', 'polling interval', '5')
    .option('--binding <binding>', 'ESipa binding: asn1 | json', 'asn1')
    .option('--servername <name>', 'TLS server name of the eIM when it differs from the URL host')
    .option('--tag <tag...>', 'tags for the registered eUICCs', ['fleet'])
    .action(async (o: { eim: string; pki: string; devices: string; curve: string; stateDir?: string; interval: string; binding: string; servername?: string; tag: string[] }) => {
      const count = Number(o.devices);
      if (!Number.isInteger(count) || count < 1) throw usage('--devices must be a positive integer');
      if (o.binding !== 'asn1' && o.binding !== 'json') throw usage('--binding must be asn1 or json');
      const curves: Curve[] = o.curve === 'both' ? ['P-256', 'brainpoolP256r1'] : o.curve === 'P-256' || o.curve === 'brainpoolP256r1' ? [o.curve] : [];
      if (curves.length === 0) throw usage('--curve must be P-256, brainpoolP256r1 or both');
      const config = loadConfig();
      const devices = await provisionFleet({
        pkiDir: o.pki,
        count,
        curves,
        eim: { eimId: config.eimId, eimFqdn: config.eimFqdn, esipaUrl: o.eim, ...(o.servername ? { servername: o.servername } : {}) },
        api: ApiClient.fromEnv(),
        ...(o.stateDir ? { stateDir: o.stateDir } : {}),
        binding: o.binding,
        tags: o.tag,
      });
      for (const d of devices) process.stdout.write(`${d.eid} ${d.curve}\n`);
      process.stderr.write(`${devices.length} devices polling ${o.eim} every ${o.interval} s\n`);
      const stop = new AbortController();
      process.once('SIGINT', () => stop.abort());
      process.once('SIGTERM', () => stop.abort());
      await runFleet(devices, { intervalMs: Number(o.interval) * 1000, signal: stop.signal, onError: (eid, e) => process.stderr.write(`${eid}: ${(e as Error).message}\n`) });
    });
}
