// The environment the eIM starts from (src/config/config.ts): defaults for a fresh clone, and one clear
// ConfigError naming the variable for a bad value.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.ts';

describe('loadConfig', () => {
  it('starts from defaults that run a development eIM', () => {
    const c = loadConfig({});
    expect(c.esipa.port).toBe(8443);
    expect(c.esipa.tls).toBe(true);
    expect(c.api.port).toBe(8080);
    expect(c.databaseUrl).toBeUndefined();
    expect(c.orderTtlHours).toBe(72);
    expect(c.heapGrowthPercent).toBe(50);
    expect(c.esipa.idlePollLogSeconds).toBe(60);
  });

  it('takes EIM_LOG_IDLE_POLLS_EVERY in seconds, 0 to log every idle poll', () => {
    expect(loadConfig({ EIM_LOG_IDLE_POLLS_EVERY: '0' }).esipa.idlePollLogSeconds).toBe(0);
    expect(loadConfig({ EIM_LOG_IDLE_POLLS_EVERY: '300' }).esipa.idlePollLogSeconds).toBe(300);
    expect(() => loadConfig({ EIM_LOG_IDLE_POLLS_EVERY: '-5' })).toThrow(/^EIM_LOG_IDLE_POLLS_EVERY: /);
  });

  it('takes EIM_HEAP_GROWTH_PERCENT from 0 (V8 default) to 400', () => {
    expect(loadConfig({ EIM_HEAP_GROWTH_PERCENT: '0' }).heapGrowthPercent).toBe(0);
    expect(loadConfig({ EIM_HEAP_GROWTH_PERCENT: '400' }).heapGrowthPercent).toBe(400);
    for (const bad of ['-1', '401', '1.5', 'lots']) {
      expect(() => loadConfig({ EIM_HEAP_GROWTH_PERCENT: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ EIM_HEAP_GROWTH_PERCENT: bad })).toThrow(/^EIM_HEAP_GROWTH_PERCENT: must be an integer from 0 to 400/);
    }
  });

  it('names the variable of a bad value', () => {
    expect(() => loadConfig({ EIM_ESIPA_PORT: '70000' })).toThrow(/^EIM_ESIPA_PORT: /);
    expect(() => loadConfig({ EIM_ESIPA_PLAIN_HTTP: 'maybe' })).toThrow(/^EIM_ESIPA_PLAIN_HTTP: must be true or false/);
    expect(() => loadConfig({ EIM_FQDN: 'not a host' })).toThrow(/^EIM_FQDN: /);
  });
});
