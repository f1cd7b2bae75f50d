local redact = require "hfl.redact"

describe("hfl.redact #unit", function()
  it("drops the credentials of a URL and leaves the rest as written", function()
    assert.equal("https://host:8443/charts?x=1", redact.url("https://user:p%40ss@host:8443/charts?x=1"))
    assert.equal("oci://registry/c", redact.url("oci://token@registry/c"))
    assert.equal("https://host/a@b", redact.url("https://host/a@b"))
  end)

  it("drops the credentials of every URL inside a text", function()
    assert.equal('release e: chart git::https://host/org/repo.git@c?ref=main: fetch "https://host/x": refused',
      redact.text('release e: chart git::https://u:GIT@host/org/repo.git@c?ref=main: fetch "https://u:P@host/x": refused'))
    assert.equal("repo http://127.0.0.1:80/charts c 0.1.0", redact.text("repo http://user:PASS@127.0.0.1:80/charts c 0.1.0"))
    assert.equal("mail me at a@b.c", redact.text("mail me at a@b.c"))
  end)

  it("says how many URLs lost their credentials", function()
    local text, n = redact.text_counted("a postgres://u:p@db/x, b https://t@h/y, c https://h/z")
    assert.equal("a postgres://db/x, b https://h/y, c https://h/z", text)
    assert.equal(2, n)
  end)

  it("raises on a value that is no string", function()
    assert.has_error(function() redact.text(nil) end, "hfl.redact.text: text must be a string")
  end)
end)
