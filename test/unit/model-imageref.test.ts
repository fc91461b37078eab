/**
 * model/imageref.ts: the docker reference grammar, with the cases of docker/distribution's
 * `reference` tests (normalize_test.go, reference_test.go), read through the normalising parser
 * the docker CLI uses (ParseNormalizedNamed).
 */
import { describe, expect, it } from 'vitest';
import { ImageRef, ImageRefError, registryOfText, withDefaultTag, type ImageRefErrorCode } from '../../src/model/imageref.js';

const HEX64 = 'f'.repeat(64);
const HEX128 = 'f'.repeat(128);

/** [input, registry, path, tag, digest] */
const valid: Array<[string, string, string, string?, string?]> = [
  // reference_test.go TestReferenceParse (registry and path as normalised)
  ['test_com', 'docker.io', 'library/test_com'],
  ['test.com:tag', 'docker.io', 'library/test.com', 'tag'],
  ['test.com:5000', 'docker.io', 'library/test.com', '5000'],
  ['test.com/repo:tag', 'test.com', 'repo', 'tag'],
  ['test:5000/repo', 'test:5000', 'repo'],
  ['test:5000/repo:tag', 'test:5000', 'repo', 'tag'],
  [`test:5000/repo@sha256:${HEX64}`, 'test:5000', 'repo', undefined, `sha256:${HEX64}`],
  [`test:5000/repo:tag@sha256:${HEX64}`, 'test:5000', 'repo', 'tag', `sha256:${HEX64}`],
  ['lowercase:Uppercase', 'docker.io', 'library/lowercase', 'Uppercase'],
  [`${'a/'.repeat(127)}a:tag-puts-this-over-max`, 'docker.io', `${'a/'.repeat(127)}a`, 'tag-puts-this-over-max'],
  ['sub-dom1.foo.com/bar/baz/quux', 'sub-dom1.foo.com', 'bar/baz/quux'],
  ['sub-dom1.foo.com/bar/baz/quux:some-long-tag', 'sub-dom1.foo.com', 'bar/baz/quux', 'some-long-tag'],
  ['b.gcr.io/test.example.com/my-app:test.example.com', 'b.gcr.io', 'test.example.com/my-app', 'test.example.com'],
  ['xn--n3h.com/myimage:xn--n3h.com', 'xn--n3h.com', 'myimage', 'xn--n3h.com'],
  [`xn--7o8h.com/myimage:xn--7o8h.com@sha512:${HEX128}`, 'xn--7o8h.com', 'myimage', 'xn--7o8h.com', `sha512:${HEX128}`],
  ['foo_bar.com:8080', 'docker.io', 'library/foo_bar.com', '8080'],
  ['foo/foo_bar.com:8080', 'docker.io', 'foo/foo_bar.com', '8080'],
  ['192.168.1.1', 'docker.io', 'library/192.168.1.1'],
  ['192.168.1.1:tag', 'docker.io', 'library/192.168.1.1', 'tag'],
  ['192.168.1.1:5000', 'docker.io', 'library/192.168.1.1', '5000'],
  ['192.168.1.1/repo', '192.168.1.1', 'repo'],
  ['192.168.1.1:5000/repo', '192.168.1.1:5000', 'repo'],
  ['192.168.1.1:5000/repo:5050', '192.168.1.1:5000', 'repo', '5050'],
  ['[2001:db8::1]/repo', '[2001:db8::1]', 'repo'],
  ['[2001:db8:1:2:3:4:5:6]/repo:tag', '[2001:db8:1:2:3:4:5:6]', 'repo', 'tag'],
  ['[2001:db8::1]:5000/repo', '[2001:db8::1]:5000', 'repo'],
  ['[2001:db8::1]:5000/repo:tag', '[2001:db8::1]:5000', 'repo', 'tag'],
  [`[2001:db8::1]:5000/repo@sha256:${HEX64}`, '[2001:db8::1]:5000', 'repo', undefined, `sha256:${HEX64}`],
  [`[2001:db8::1]:5000/repo:tag@sha256:${HEX64}`, '[2001:db8::1]:5000', 'repo', 'tag', `sha256:${HEX64}`],
  ['[2001:db8::]:5000/repo', '[2001:db8::]:5000', 'repo'],
  ['[::1]:5000/repo', '[::1]:5000', 'repo'],
  // normalize_test.go TestNormalizedSplitHostname
  ['test.com/foo', 'test.com', 'foo'],
  ['test_com/foo', 'docker.io', 'test_com/foo'],
  ['docker/migrator', 'docker.io', 'docker/migrator'],
  ['test.com:8080/foo', 'test.com:8080', 'foo'],
  ['test-com:8080/foo', 'test-com:8080', 'foo'],
  ['foo', 'docker.io', 'library/foo'],
  ['xn--n3h.com/foo', 'xn--n3h.com', 'foo'],
  ['xn--n3h.com:18080/foo', 'xn--n3h.com:18080', 'foo'],
  ['docker.io/foo', 'docker.io', 'library/foo'],
  ['docker.io/library/foo', 'docker.io', 'library/foo'],
  ['docker.io/library/foo/bar', 'docker.io', 'library/foo/bar'],
  // normalize_test.go TestValidateReferenceName, TestValidateRemoteName
  ['docker/docker', 'docker.io', 'docker/docker'],
  ['library/debian', 'docker.io', 'library/debian'],
  ['debian', 'docker.io', 'library/debian'],
  ['docker.io/docker/docker', 'docker.io', 'docker/docker'],
  ['docker.io/debian', 'docker.io', 'library/debian'],
  ['index.docker.io/docker/docker', 'docker.io', 'docker/docker'],
  ['index.docker.io/library/debian', 'docker.io', 'library/debian'],
  ['index.docker.io/debian', 'docker.io', 'library/debian'],
  ['127.0.0.1:5000/docker/docker', '127.0.0.1:5000', 'docker/docker'],
  ['127.0.0.1:5000/library/debian', '127.0.0.1:5000', 'library/debian'],
  ['127.0.0.1:5000/debian', '127.0.0.1:5000', 'debian'],
  ['192.168.0.1:80', 'docker.io', 'library/192.168.0.1', '80'],
  ['192.168.0.1:8/debian', '192.168.0.1:8', 'debian'],
  ['192.168.0.2:25000/debian', '192.168.0.2:25000', 'debian'],
  ['thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev', 'docker.io', 'library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev'],
  ['[fc00::1]:5000/docker', '[fc00::1]:5000', 'docker'],
  ['[fc00::1]:5000/docker/docker', '[fc00::1]:5000', 'docker/docker'],
  ['[fc00:1:2:3:4:5:6:7]:5000/library/debian', '[fc00:1:2:3:4:5:6:7]:5000', 'library/debian'],
  ['docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a', 'docker.io', 'library/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a'],
  ['Docker/docker', 'Docker', 'docker'],
  ['DOCKER/docker', 'DOCKER', 'docker'],
  ['docker-rules/docker', 'docker.io', 'docker-rules/docker'],
  ['docker---rules/docker', 'docker.io', 'docker---rules/docker'],
  ['doc/docker', 'docker.io', 'doc/docker'],
  ['d/docker', 'docker.io', 'd/docker'],
  ['jess/t', 'docker.io', 'jess/t'],
  ['dock__er/docker', 'docker.io', 'dock__er/docker'],
  ['localhost/app', 'localhost', 'app'],
  ['localhost:5000/app:1', 'localhost:5000', 'app', '1'],
  // normalize_test.go TestParseReferenceWithTagAndDigest
  [`busybox:latest@sha256:${HEX64}`, 'docker.io', 'library/busybox', 'latest', `sha256:${HEX64}`],
];

/** [input, code] */
const invalid: Array<[string, ImageRefErrorCode]> = [
  ['', 'IMAGE_REF_EMPTY'],
  [':justtag', 'IMAGE_REF_FORMAT'],
  [`@sha256:${HEX64}`, 'IMAGE_REF_FORMAT'],
  ['repo@sha256:ffffffffffffffffffffffffffffffffff', 'IMAGE_REF_DIGEST'],
  [`validname@invaliddigest:${HEX64}`, 'IMAGE_REF_DIGEST'],
  ['Uppercase:tag', 'IMAGE_REF_UPPERCASE'],
  ['test:5000/Uppercase/lowercase:tag', 'IMAGE_REF_UPPERCASE'],
  [`${'a/'.repeat(128)}a:tag`, 'IMAGE_REF_TOO_LONG'],
  ['aa/asdf$$^/aa', 'IMAGE_REF_FORMAT'],
  ['[2001:db8::1]', 'IMAGE_REF_FORMAT'],
  ['[2001:db8::1]:5000', 'IMAGE_REF_FORMAT'],
  ['[2001:db8::1]:tag', 'IMAGE_REF_FORMAT'],
  ['[fe80::1%eth0]:5000/repo', 'IMAGE_REF_FORMAT'],
  ['[fe80::1%@invalidzone]:5000/repo', 'IMAGE_REF_FORMAT'],
  ['https://github.com/docker/docker', 'IMAGE_REF_FORMAT'],
  ['docker/Docker', 'IMAGE_REF_UPPERCASE'],
  ['-docker', 'IMAGE_REF_FORMAT'],
  ['-docker/docker', 'IMAGE_REF_FORMAT'],
  ['-docker.io/docker/docker', 'IMAGE_REF_FORMAT'],
  ['docker///docker', 'IMAGE_REF_FORMAT'],
  ['docker.io/docker/Docker', 'IMAGE_REF_UPPERCASE'],
  ['docker.io/docker///docker', 'IMAGE_REF_FORMAT'],
  ['[fc00::1]', 'IMAGE_REF_FORMAT'],
  ['[fc00::1]:5000', 'IMAGE_REF_FORMAT'],
  ['fc00::1:5000/debian', 'IMAGE_REF_FORMAT'],
  ['[2001:db8:3:4::192.0.2.33]:5000/debian', 'IMAGE_REF_FORMAT'],
  ['1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a', 'IMAGE_REF_IDENTIFIER'],
  ['docker-/docker', 'IMAGE_REF_FORMAT'],
  ['-docker-/docker', 'IMAGE_REF_FORMAT'],
  ['____/____', 'IMAGE_REF_FORMAT'],
  ['_docker/_docker', 'IMAGE_REF_FORMAT'],
  ['dock..er/docker', 'IMAGE_REF_FORMAT'],
  ['dock_.er/docker', 'IMAGE_REF_FORMAT'],
  ['dock-.er/docker', 'IMAGE_REF_FORMAT'],
  ['docker/', 'IMAGE_REF_FORMAT'],
  [`${'this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_'.repeat(4)}x/docker`, 'IMAGE_REF_TOO_LONG'],
  [`repo@sha256:${'F'.repeat(64)}`, 'IMAGE_REF_DIGEST'],
  ['repo:-tag', 'IMAGE_REF_FORMAT'],
  [`repo:${'t'.repeat(129)}`, 'IMAGE_REF_FORMAT'],
];

describe('ImageRef.parse', () => {
  it.each(valid)('%s', (text, registry, path, tag, digest) => {
    const ref = ImageRef.parse(text);
    expect({ registry: ref.registry, path: ref.path, tag: ref.tag, digest: ref.digest }).toEqual({ registry, path, tag, digest });
  });

  it.each(invalid)('refuses %s (%s)', (text, code) => {
    let err: unknown;
    try {
      ImageRef.parse(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ImageRefError);
    expect((err as ImageRefError).code).toBe(code);
    expect(ImageRef.tryParse(text)).toBeUndefined();
  });
});

describe('names', () => {
  // normalize_test.go TestParseRepositoryInfo: every spelling gives the same familiar and full name.
  it.each([
    [['fooo/bar', 'docker.io/fooo/bar', 'index.docker.io/fooo/bar'], 'fooo/bar', 'docker.io/fooo/bar', 'docker.io'],
    [['ubuntu', 'docker.io/library/ubuntu', 'library/ubuntu'], 'ubuntu', 'docker.io/library/ubuntu', 'docker.io'],
    [['nonlibrary/ubuntu', 'docker.io/nonlibrary/ubuntu'], 'nonlibrary/ubuntu', 'docker.io/nonlibrary/ubuntu', 'docker.io'],
    [['other/library', 'docker.io/other/library'], 'other/library', 'docker.io/other/library', 'docker.io'],
    [['127.0.0.1:8000/private/moonbase'], '127.0.0.1:8000/private/moonbase', '127.0.0.1:8000/private/moonbase', '127.0.0.1:8000'],
    [['127.0.0.1:8000/privatebase'], '127.0.0.1:8000/privatebase', '127.0.0.1:8000/privatebase', '127.0.0.1:8000'],
    [['example.com/private/moonbase'], 'example.com/private/moonbase', 'example.com/private/moonbase', 'example.com'],
    [['example.com:8000/privatebasee'], 'example.com:8000/privatebasee', 'example.com:8000/privatebasee', 'example.com:8000'],
    [['ubuntu-12.04-base', 'docker.io/library/ubuntu-12.04-base', 'index.docker.io/library/ubuntu-12.04-base'], 'ubuntu-12.04-base', 'docker.io/library/ubuntu-12.04-base', 'docker.io'],
    [['foo', 'docker.io/library/foo', 'docker.io/foo'], 'foo', 'docker.io/library/foo', 'docker.io'],
    [['library/foo/bar', 'docker.io/library/foo/bar'], 'library/foo/bar', 'docker.io/library/foo/bar', 'docker.io'],
    [['store/foo/bar', 'docker.io/store/foo/bar'], 'store/foo/bar', 'docker.io/store/foo/bar', 'docker.io'],
    [['Foo/bar'], 'Foo/bar', 'Foo/bar', 'Foo'],
    [['FOO/bar'], 'FOO/bar', 'FOO/bar', 'FOO'],
  ])('%j: familiar %s, full %s, registry %s', (spellings, familiar, full, registry) => {
    for (const s of spellings) {
      const ref = ImageRef.parse(s);
      expect(ref.familiarName).toBe(familiar);
      expect(ref.name).toBe(full);
      expect(ref.registry).toBe(registry);
    }
  });

  it('shows references as docker images does, and normalised in full', () => {
    const cases: Array<[string, string, string]> = [
      ['busybox:latest', 'busybox:latest', 'docker.io/library/busybox:latest'],
      ['user/app', 'user/app', 'docker.io/user/app'],
      ['docker.io/library/redis:7', 'redis:7', 'docker.io/library/redis:7'],
      ['localhost:5000/team/app:1', 'localhost:5000/team/app:1', 'localhost:5000/team/app:1'],
      [`busybox:latest@sha256:${HEX64}`, `busybox:latest@sha256:${HEX64}`, `docker.io/library/busybox:latest@sha256:${HEX64}`],
      [`redis@sha256:${HEX64}`, `redis@sha256:${HEX64}`, `docker.io/library/redis@sha256:${HEX64}`],
    ];
    for (const [text, familiar, full] of cases) {
      const ref = ImageRef.parse(text);
      expect(ref.familiar).toBe(familiar);
      expect(ref.toString()).toBe(full);
    }
  });

  it('adds the tag latest only to a reference with neither tag nor digest', () => {
    expect(ImageRef.parse('busybox').withDefaultTag().toString()).toBe('docker.io/library/busybox:latest');
    expect(ImageRef.parse('busybox:1').withDefaultTag().tag).toBe('1');
    expect(ImageRef.parse(`busybox@sha256:${HEX64}`).withDefaultTag().tag).toBeUndefined();
    expect(withDefaultTag('busybox')).toBe('busybox:latest');
    // The engine lists tags in the familiar form: a fully written reference is looked up so.
    expect(withDefaultTag('docker.io/library/busybox')).toBe('busybox:latest');
    expect(withDefaultTag('index.docker.io/library/busybox:1.36')).toBe('busybox:1.36');
    expect(withDefaultTag('docker.io/user/app')).toBe('user/app:latest');
    expect(withDefaultTag('localhost:5000/team/app')).toBe('localhost:5000/team/app:latest');
    expect(withDefaultTag(`docker.io/library/busybox@sha256:${HEX64}`)).toBe(`busybox@sha256:${HEX64}`);
    expect(withDefaultTag('localhost:5000/app')).toBe('localhost:5000/app:latest');
    expect(withDefaultTag('localhost:5000/app:2')).toBe('localhost:5000/app:2');
    expect(withDefaultTag(`app@sha256:${HEX64}`)).toBe(`app@sha256:${HEX64}`);
  });

  it('names the registry and the server its credentials are kept under', () => {
    expect(ImageRef.parse('busybox').authServer).toBe('https://index.docker.io/v1/');
    expect(ImageRef.parse('index.docker.io/team/app').authServer).toBe('https://index.docker.io/v1/');
    expect(ImageRef.parse('127.0.0.1:5000/app').authServer).toBe('127.0.0.1:5000');
    // Lenient: a reference that does not parse still has a registry.
    expect(registryOfText('127.0.0.1:5000/team/app@sha256:abc')).toBe('127.0.0.1:5000');
    expect(registryOfText('Registry.Example.com/App')).toBe('Registry.Example.com');
    expect(registryOfText('someone/app')).toBe('docker.io');
  });
});
