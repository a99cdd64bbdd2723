import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { filesystemMirrorPaths, findProviderMirror, goRuntimeEnv, mirroredProviders, renderCliConfig } from "../../src/terraform/discovery.js";

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), "noveli-mirror-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function unpackedMirror(dir: string, version = "5.100.0", platform = "linux_amd64") {
  const leaf = path.join(dir, "registry.terraform.io", "hashicorp", "aws", version, platform);
  mkdirSync(leaf, { recursive: true });
  writeFileSync(path.join(leaf, `terraform-provider-aws_v${version}_x5`), "");
}

describe("provider mirror discovery", () => {
  it("reads both mirror layouts for this platform only", () => {
    unpackedMirror(path.join(root, "a"));
    unpackedMirror(path.join(root, "a"), "5.99.0", "darwin_arm64");
    const packed = path.join(root, "b", "registry.terraform.io", "hashicorp", "aws");
    mkdirSync(packed, { recursive: true });
    writeFileSync(path.join(packed, "terraform-provider-aws_5.101.0_linux_amd64.zip"), "");
    expect(mirroredProviders(path.join(root, "a"), "linux_amd64")).toEqual([{ source: "registry.terraform.io/hashicorp/aws", versions: ["5.100.0"] }]);
    expect(mirroredProviders(path.join(root, "b"), "linux_amd64")).toEqual([{ source: "registry.terraform.io/hashicorp/aws", versions: ["5.101.0"] }]);
  });

  it("finds a mirror one level under a scanned root, and none when there is none", () => {
    const home = path.join(root, "home");
    mkdirSync(home);
    const scan = path.join(root, "opt");
    expect(findProviderMirror(["registry.terraform.io/hashicorp/aws"], { env: {}, home, scanRoots: [scan], platform: "linux_amd64" })).toBeUndefined();
    unpackedMirror(path.join(scan, "tf-mirror"));
    const mirror = findProviderMirror(["registry.terraform.io/hashicorp/aws"], { env: {}, home, scanRoots: [scan], platform: "linux_amd64" });
    expect(mirror?.dir).toBe(path.join(scan, "tf-mirror"));
    expect(mirror?.foundBy).toMatch(/scan/);
  });

  it("prefers terraform's implied mirror in the home folder", () => {
    const home = path.join(root, "home");
    unpackedMirror(path.join(home, ".terraform.d", "plugins"));
    unpackedMirror(path.join(root, "opt", "other"));
    const mirror = findProviderMirror(["registry.terraform.io/hashicorp/aws"], { env: {}, home, scanRoots: [path.join(root, "opt")], platform: "linux_amd64" });
    expect(mirror?.dir).toBe(path.join(home, ".terraform.d", "plugins"));
  });

  it("honours NOVELI_TF_PROVIDER_MIRROR, including none", () => {
    unpackedMirror(path.join(root, "explicit"));
    const env = { NOVELI_TF_PROVIDER_MIRROR: path.join(root, "explicit") };
    expect(findProviderMirror(["registry.terraform.io/hashicorp/aws"], { env, home: root, scanRoots: [], platform: "linux_amd64" })?.foundBy).toBe("NOVELI_TF_PROVIDER_MIRROR");
    expect(() => findProviderMirror(["registry.terraform.io/hashicorp/aws"], { env: { NOVELI_TF_PROVIDER_MIRROR: root }, home: root, scanRoots: [], platform: "linux_amd64" })).toThrow(/does not mirror/);
    expect(findProviderMirror(["registry.terraform.io/hashicorp/aws"], { env: { NOVELI_TF_PROVIDER_MIRROR: "none" }, home: root, scanRoots: [], platform: "linux_amd64" })).toBeUndefined();
  });

  it("reads filesystem_mirror paths from a user's CLI config", () => {
    expect(filesystemMirrorPaths('provider_installation {\n filesystem_mirror {\n  path = "/srv/mirror"\n  include = ["x/y/z"]\n }\n direct {}\n}')).toEqual(["/srv/mirror"]);
  });

  it("renders a config that uses the mirror for mirrored providers and the registry otherwise", () => {
    const config = renderCliConfig({ dir: "/m", foundBy: "test", providers: [{ source: "registry.terraform.io/hashicorp/aws", versions: ["5.100.0"] }] });
    expect(config).toContain('path    = "/m"');
    expect(config).toContain('include = ["registry.terraform.io/hashicorp/aws"]');
    expect(config).toContain('exclude = ["registry.terraform.io/hashicorp/aws"]');
    expect(renderCliConfig(undefined)).toMatch(/direct \{\}/);
    expect(renderCliConfig(undefined)).not.toContain("filesystem_mirror");
  });
});

describe("Go runtime setting of terraform processes", () => {
  it("collects garbage less often, unless the operator tuned the Go runtime already", () => {
    expect(goRuntimeEnv({})).toEqual({ GOGC: "400" });
    expect(goRuntimeEnv({ GOGC: "100" })).toEqual({});
    expect(goRuntimeEnv({ GOGC: "" })).toEqual({});
    expect(goRuntimeEnv({ GOMEMLIMIT: "1GiB" })).toEqual({});
  });
});
