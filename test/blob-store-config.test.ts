import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.js";

const base = { NODE_ENV: "test", DATA_DIR: "/srv/efacture" };
const s3 = { S3_REGION: "eu-west-3", AWS_ACCESS_KEY_ID: "AKIA1", AWS_SECRET_ACCESS_KEY: "secret" };
const error = (env: Record<string, string>) => {
  try {
    loadConfig({ ...base, ...env });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error("accepted");
};

describe("BLOB_STORE configuration", () => {
  it("defaults to DATA_DIR/blobs, takes file:///abs/path", () => {
    expect(loadConfig(base).blobStore).toEqual({
      kind: "file",
      root: path.join("/srv/efacture", "blobs"),
      identity: "file:///srv/efacture/blobs",
    });
    expect(loadConfig({ ...base, BLOB_STORE: "file:///mnt/originals/" }).blobStore).toMatchObject({
      kind: "file",
      root: "/mnt/originals",
      identity: "file:///mnt/originals",
    });
  });

  it("takes s3://bucket/prefix with S3_ENDPOINT, S3_REGION, path style and the AWS credentials", () => {
    const config = loadConfig({
      ...base,
      ...s3,
      AWS_SESSION_TOKEN: "token",
      BLOB_STORE: "s3://efacture-originals/prod/blobs/",
      S3_ENDPOINT: "https://s3.garage.example:3900/",
    });
    expect(config.blobStore).toEqual({
      kind: "s3",
      bucket: "efacture-originals",
      prefix: "prod/blobs",
      endpoint: "https://s3.garage.example:3900",
      region: "eu-west-3",
      forcePathStyle: true,
      credentials: { accessKeyId: "AKIA1", secretAccessKey: "secret", sessionToken: "token" },
      identity: "s3://efacture-originals/prod/blobs",
    });
    const aws = loadConfig({
      ...base,
      S3_REGION: "eu-west-3",
      S3_FORCE_PATH_STYLE: "0",
      BLOB_STORE: "s3://b-1",
    });
    expect(aws.blobStore).toMatchObject({
      prefix: "",
      endpoint: undefined,
      forcePathStyle: false,
      credentials: undefined,
    });
  });

  it("names the wrong variable and what it expects", () => {
    expect(error({ BLOB_STORE: "/srv/blobs" })).toContain(
      "BLOB_STORE: expected file:///absolute/path or s3://bucket/prefix",
    );
    expect(error({ BLOB_STORE: "file://host/srv/blobs" })).toContain("three slashes, no host");
    expect(error({ ...s3, BLOB_STORE: "s3://Bad_Bucket/x" })).toContain("bucket name of 3 to 63");
    expect(error({ ...s3, BLOB_STORE: "s3://bucket/a/../b" })).toContain("a prefix of letters");
    expect(error({ ...s3, BLOB_STORE: "s3://bucket/a//b" })).toContain("a prefix of letters");
    expect(error({ ...s3, BLOB_STORE: "s3://key:secret@bucket/x" })).not.toContain("secret");
    expect(error({ BLOB_STORE: "s3://bucket/x" })).toContain("S3_REGION: expected the object store's region");
    expect(error({ ...s3, BLOB_STORE: "s3://bucket/x", S3_ENDPOINT: "ftp://x" })).toContain("S3_ENDPOINT");
    expect(error({ S3_REGION: "x", AWS_ACCESS_KEY_ID: "AKIA1", BLOB_STORE: "s3://bucket/x" })).toContain(
      "AWS_SECRET_ACCESS_KEY: expected set together with its pair",
    );
    expect(error({ ...s3, BLOB_STORE: "s3://bucket/x", S3_FORCE_PATH_STYLE: "yes" })).toContain(
      "S3_FORCE_PATH_STYLE",
    );
  });
});
