local suggest = require "hfl.suggest"

describe("hfl.suggest #unit", function()
  describe("distance()", function()
    it("counts a swap of neighbours as one edit", function()
      assert.equal(1, suggest.distance("lsit", "list"))
      assert.equal(1, suggest.distance("fecth", "fetch"))
      assert.equal(1, suggest.distance("chrat", "chart"))
    end)

    it("counts insertions, deletions and substitutions as Levenshtein does", function()
      assert.equal(0, suggest.distance("apply", "apply"))
      assert.equal(1, suggest.distance("aply", "apply"))
      assert.equal(1, suggest.distance("appply", "apply"))
      assert.equal(2, suggest.distance("dif", "diff2"))
      assert.equal(3, suggest.distance("", "abc"))
      assert.equal(3, suggest.distance("kitten", "sitting"))
    end)
  end)

  describe("closest()", function()
    local commands = { "apply", "diff", "fetch", "list", "lint", "sync", "template", "write-values" }

    it("catches transposed letters, as cobra's \"did you mean\" does", function()
      assert.equal("list", suggest.closest("lsit", commands))
      assert.equal("fetch", suggest.closest("fecth", commands))
      assert.equal("template", suggest.closest("tempalte", commands))
      assert.equal("sync", suggest.closest("snyc", commands))
    end)

    it("ignores case and takes a prefix of three letters or more", function()
      assert.equal("apply", suggest.closest("APLY", commands))
      assert.equal("write-values", suggest.closest("write", commands))
    end)

    it("suggests nothing for a word far from every candidate", function()
      assert.is_nil(suggest.closest("xyzzy", commands))
      assert.is_nil(suggest.closest("ab", commands))
    end)
  end)

  describe("hint()", function()
    it("is ready to append to an error, or empty", function()
      assert.equal(' (did you mean "list"?)', suggest.hint("lsit", { "list", "lint" }))
      assert.equal("", suggest.hint("qqqq", { "list" }))
    end)
  end)
end)
