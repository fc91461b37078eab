/**
 * `tsfig graph`: the project as DOT and Mermaid (golden text for a project with every kind of
 * edge and two hosts), SVG through Graphviz's dot when it is installed, and a one-line error
 * naming what to install when it is not.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectDir, tsfig } from '../support/project.js';

const stack = `name: shop
hosts:
  a: {docker: "unix:///run/a.sock"}
  b: {docker: "unix:///run/b.sock"}
services:
  web:
    image: busybox
    host: a
    depends_on:
      api: {condition: service_healthy}
    links: ["api:backend"]
    networks: [front]
  api:
    image: busybox
    host: b
    depends_on: [db]
    networks: [front, back]
    volumes: ["uploads:/srv/uploads"]
  db:
    image: busybox
    host: b
    networks: [back]
    volumes: ["data:/var/lib/db"]
  sidecar:
    image: busybox
    host: b
    network_mode: "service:api"
    volumes_from: [db]
networks:
  front: {}
  back: {driver: overlay}
volumes:
  data: {external: true}
  uploads: {}
`;

const env = { HOME: '/nonexistent', PATH: process.env.PATH };

describe('tsfig graph', () => {
  const dir = projectDir({ 'fig.yml': stack });

  it('prints DOT: a cluster per host, every kind of edge', async () => {
    const r = await tsfig(['graph'], { cwd: dir, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`digraph "shop" {
  rankdir=LR;
  node [fontname="Helvetica", fontsize=11];
  edge [fontname="Helvetica", fontsize=9];
  subgraph "cluster_0" {
    label="host a";
    "svc_web" [label="web", shape=box, style=rounded];
  }
  subgraph "cluster_1" {
    label="host b";
    "svc_api" [label="api", shape=box, style=rounded];
    "svc_db" [label="db", shape=box, style=rounded];
    "svc_sidecar" [label="sidecar", shape=box, style=rounded];
  }
  "net_back" [label="back (overlay)", shape=ellipse, style=dashed];
  "net_front" [label="front", shape=ellipse, style=dashed];
  "vol_data" [label="data (external)", shape=cylinder];
  "vol_uploads" [label="uploads", shape=cylinder];
  "svc_api" -> "svc_db" [style=solid];
  "svc_api" -> "net_back" [style=solid, arrowhead=none, color=gray40];
  "svc_api" -> "net_front" [style=solid, arrowhead=none, color=gray40];
  "svc_api" -> "vol_uploads" [style=solid, arrowhead=none, color=gray40, label="/srv/uploads"];
  "svc_db" -> "net_back" [style=solid, arrowhead=none, color=gray40];
  "svc_db" -> "vol_data" [style=solid, arrowhead=none, color=gray40, label="/var/lib/db"];
  "svc_sidecar" -> "svc_api" [style=dotted];
  "svc_sidecar" -> "svc_db" [style=dotted];
  "svc_web" -> "svc_api" [style=solid, label="healthy"];
  "svc_web" -> "svc_api" [style=dashed, label="backend"];
  "svc_web" -> "net_front" [style=solid, arrowhead=none, color=gray40];
}
`);
  });

  it('prints Mermaid with --format mermaid; viz is the same command', async () => {
    const r = await tsfig(['viz', '--format', 'mermaid'], { cwd: dir, env });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('flowchart LR');
    expect(lines).toContain('  subgraph host_1["host b"]');
    expect(lines).toContain('  svc_web -->|"healthy"| svc_api');
    expect(lines).toContain('  svc_web -.->|"backend"| svc_api');
    expect(lines).toContain('  svc_db ---|"/var/lib/db"| vol_data');
    expect(lines).toContain('  vol_data[("data (external)")]');
  });

  it('names that are not identifiers get safe ids, the name stays the label', async () => {
    const d = projectDir({ 'fig.yml': 'services:\n  my.web-1:\n    image: busybox\n' });
    const r = await tsfig(['graph', '--format', 'mermaid'], { cwd: d, env });
    expect(r.stdout).toContain('svc_my_2e_web_2d_1("my.web-1")');
  });

  it('renders SVG with Graphviz, to stdout or -o', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'tsfig-graph-')), 'stack.svg');
    const r = await tsfig(['graph', '--format', 'svg', '-o', out], { cwd: dir, env });
    expect(r.code, r.stderr).toBe(0);
    const svg = readFileSync(out, 'utf8');
    expect(svg).toMatch(/<svg[\s\S]*<title>shop<\/title>[\s\S]*>sidecar<\/text>/);
  });

  it('without Graphviz, SVG is one line that says what to install', async () => {
    // A PATH with node but no dot.
    const bin = mkdtempSync(join(tmpdir(), 'tsfig-nodot-'));
    symlinkSync(process.execPath, join(bin, 'node'));
    const r = await tsfig(['graph', '--format', 'svg'], { cwd: dir, env: { ...env, PATH: bin } });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^SVG needs Graphviz's dot, which is not installed here: install graphviz .*\n$/);
  });

  it('Graphviz accepts the DOT it is given (dot -Tcanon parses it back)', async () => {
    const dot = (await tsfig(['graph'], { cwd: dir, env })).stdout;
    expect(execFileSync('dot', ['-Tcanon'], { input: dot, encoding: 'utf8' })).toContain('subgraph cluster_1');
  });
});

describe('command names', () => {
  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])('%s is an unknown command, not an internal error', async (name) => {
    const r = await tsfig([name], { cwd: projectDir({ 'fig.yml': 'services: {}\n' }), env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`unknown command '${name}'`));
  });
});
