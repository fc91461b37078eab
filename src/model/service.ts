/** Facts about a service that every layer asks: which host runs it, which image it runs, where its build context is. */
import { defaultImageName } from './naming.js';
import type { Project, Service } from './project.js';

/** The name of the host services without `host:` run on. */
export const DEFAULT_HOST = 'default';

/** The host (a key of the project's `hosts`, or `default`) whose engine runs the service. */
export function hostOf(svc: Service): string {
  return svc.host ?? DEFAULT_HOST;
}

/** The image reference a service runs, as written: its `image:`, or `<project>-<service>` for a build without one. */
export function imageRef(project: Project, svc: Service): string {
  return svc.image ?? defaultImageName(project.name, svc.name);
}

/**
 * A build context given as a URL or git address (`https://host/repo.git#ref:dir`, `git://...`,
 * `git@host:repo.git`, `github.com/owner/repo`, `http://host/ctx.tar.gz`): not a local folder,
 * the engine fetches it. The one definition: the loader keeps these as written.
 */
export function isRemoteContext(context: string): boolean {
  return /^[a-z]+:\/\//i.test(context) || context.startsWith('git@') || context.startsWith('github.com/');
}
