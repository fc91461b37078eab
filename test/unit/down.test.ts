/**
 * planDown decides what `down` removes from what the file says now, not from labels alone:
 * external volumes and networks are never removed, a labelled volume the file no longer
 * declares is kept and named, declared and anonymous ones go with -v.
 */
import { describe, expect, it } from 'vitest';
import { LABEL } from '../../src/model/labels.js';
import type { Project } from '../../src/model/project.js';
import { planDown } from '../../src/reconcile/lifecycle.js';
import type { Plan } from '../../src/reconcile/plan.js';
import { coded, host, made, state } from '../support/observed.js';
import { load, projectDir } from '../support/project.js';

function project(text: string): Project {
  const r = load(projectDir({ 'fig.yml': text }));
  if (!r.project) throw new Error(JSON.stringify(r.diagnostics));
  return r.project;
}

const removedVolumes = (plan: Plan) => plan.nodes.flatMap((n) => (n.op.type === 'volume.remove' ? [n.op.name] : []));
const removedNetworks = (plan: Plan) => plan.nodes.flatMap((n) => (n.op.type === 'network.remove' ? [n.op.name] : []));

const labelled = (p: Project, name: string, key: string) => ({ name, host: 'default', key, labels: { [LABEL.project]: p.name, [LABEL.volume]: key } });
const ANON = 'a'.repeat(64);

describe('down -v', () => {
  const p = project(`name: demo
services:
  db:
    image: busybox
    volumes: [data:/data, scratch:/scratch]
    networks: [back]
volumes:
  data: {external: true, name: demo_data}
  scratch: {}
networks:
  back: {external: true, name: demo_back}
`);
  const observed = () =>
    state(
      p,
      host('default', {
        containers: [made(p, 'db', 1, { networks: ['demo_back'] })],
        // All three were made by tsfig under earlier files, so all carry the project label.
        volumes: [labelled(p, 'demo_data', 'data'), labelled(p, 'demo_scratch', 'scratch'), labelled(p, 'demo_old', 'old'), labelled(p, ANON, 'x')],
        networks: [
          { id: 'net-back', name: 'demo_back', host: 'default', key: 'back', labels: { [LABEL.project]: 'demo' } },
          { id: 'net-default', name: 'demo_default', host: 'default', key: 'default', labels: { [LABEL.project]: 'demo' } },
        ],
      }),
    );

  it('never removes a volume the file declares external, whatever its labels', () => {
    const plan = planDown(p, observed(), { volumes: true });
    expect(removedVolumes(plan)).not.toContain('demo_data');
    // At the volume's key (volumes: data:, line 8).
    expect(coded(plan.warnings)).toContain('PLAN_VOLUME_EXTERNAL_KEPT fig.yml:8:3');
  });

  it('keeps a labelled volume the file no longer declares, and names it in one line', () => {
    const plan = planDown(p, observed(), { volumes: true });
    expect(removedVolumes(plan)).not.toContain('demo_old');
    const kept = plan.warnings.filter((w) => w.code === 'PLAN_VOLUME_UNDECLARED_KEPT');
    expect(coded(kept)).toEqual(['PLAN_VOLUME_UNDECLARED_KEPT']);
    expect(kept[0]!.message).toContain('demo_old');
  });

  it('removes the declared volumes and the anonymous ones', () => {
    const plan = planDown(p, observed(), { volumes: true });
    expect(removedVolumes(plan).sort()).toEqual([ANON, 'demo_scratch']);
  });

  it('without -v removes no volume and says nothing about them', () => {
    const plan = planDown(p, observed(), {});
    expect(removedVolumes(plan)).toEqual([]);
    expect(plan.warnings).toEqual([]);
  });

  it('never removes a network the file declares external, whatever its labels', () => {
    const plan = planDown(p, observed(), { volumes: true });
    expect(removedNetworks(plan)).toEqual(['net-default']);
  });
});
