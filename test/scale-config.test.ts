import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.js";

describe("DOWNLOAD_OFFLOAD", () => {
  it("is off unless set to nginx, and a typo stops the start naming the variable", () => {
    expect(loadConfig({}).downloadOffload).toBe("off");
    expect(loadConfig({ DOWNLOAD_OFFLOAD: "nginx" }).downloadOffload).toBe("nginx");
    expect(loadConfig({ DOWNLOAD_OFFLOAD: "off" }).downloadOffload).toBe("off");
    expect(() => loadConfig({ DOWNLOAD_OFFLOAD: "apache" })).toThrow(ConfigError);
    expect(() => loadConfig({ DOWNLOAD_OFFLOAD: "apache" })).toThrow(
      'DOWNLOAD_OFFLOAD: expected one of off, nginx, nginx-signed, got "apache"',
    );
  });
});
