import { UsageError } from "../../errors.js";

const RELEASE_LABEL = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;

/** Pure: a release label (--release, recorded as APP_VERSION) is a version or commit id, or a usage error. */
export function checkReleaseLabel(release: string): string {
  if (!RELEASE_LABEL.test(release)) {
    throw new UsageError("--release must be 1 to 64 letters, digits, dots, dashes, underscores or pluses (e.g. a version or commit id)");
  }
  return release;
}
