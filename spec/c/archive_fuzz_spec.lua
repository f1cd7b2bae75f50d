-- spec/support/fuzz/archive_fuzz.c built without libFuzzer and fed random archives for a few
-- seconds: random tar entries, links and names never land outside the destination. `make fuzz`
-- runs the libFuzzer build of the same harness for longer.
local S = require "spec.support.servers"

describe("chart archive extraction under random archives #unit", function()
  teardown(S.cleanup)

  it("never writes outside the destination nor keeps a link leading out", function()
    local bin = S.tmpdir() .. "/archive_fuzz"
    S.sh(("${CC:-cc} -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O1 -DHFL_FUZZ_STANDALONE -o %s "
      .. "spec/support/fuzz/archive_fuzz.c c/archive.c $(pkg-config --cflags --libs libarchive)"):format(bin))
    local seconds = os.getenv("HFL_FUZZ_SECONDS") or "3"
    local out = S.sh(("%s %s 2>&1"):format(bin, seconds))
    assert.matches("archive_fuzz: %d+ inputs, seed %d+, no escape\n$", out)
  end)
end)
