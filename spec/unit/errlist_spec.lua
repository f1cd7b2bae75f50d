-- hfl.errlist: Helmfile's list of several errors, and the lines of it that start an error. #unit
local errlist = require "hfl.errlist"

describe("hfl.errlist #unit", function()
  describe("combined()", function()
    it("is the error itself when there is one", function()
      assert.equal("boom", errlist.combined { "boom" })
    end)

    it("numbers several errors from 0 under a count, as Helmfile", function()
      assert.equal("2 errors:\nerr 0: a\nerr 1: b", errlist.combined { "a", "b" })
    end)
  end)

  describe("prefixed()", function()
    it("prefixes the count and each error of a list, not the lines that continue one", function()
      assert.equal("hfl: 2 errors:\nhfl: err 0: a\n  detail\nhfl: err 1: b",
        errlist.prefixed(errlist.combined { "a\n  detail", "b" }, "hfl: "))
    end)

    it("leaves a hint line under a single error as it is", function()
      assert.equal("hfl: x:1: bad\nhint: do this", errlist.prefixed("x:1: bad\nhint: do this", "hfl: "))
    end)
  end)
end)
