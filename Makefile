# hfl — build, test, bench. `make help` lists the targets.
SHELL      := /bin/bash
CC         ?= cc
LUAJIT     ?= luajit
PKGS       := luajit yaml-0.1 libcurl libarchive libgit2 libpcre2-8 openssl zlib
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
CORE_LIBS  := $(shell pkg-config --libs yaml-0.1 libpcre2-8 libcrypto zlib 2>/dev/null)
LIBS_http    := $(shell pkg-config --libs libcurl libcrypto 2>/dev/null)
LIBS_git     := $(shell pkg-config --libs libgit2 2>/dev/null)
LIBS_archive := $(shell pkg-config --libs libarchive 2>/dev/null)
LIBS_edit    := $(shell pkg-config --libs libedit 2>/dev/null)
LUAJIT_A   := $(firstword $(wildcard /usr/lib/x86_64-linux-gnu/libluajit-5.1.a /usr/lib/*/libluajit-5.1.a /usr/local/lib/libluajit-5.1.a))
LUAJIT_LIB := $(if $(LUAJIT_A),$(LUAJIT_A),-lluajit-5.1)
CFLAGS     ?= -O2 -g
# -Werror only for development builds (a git checkout): a user's, a release's or a rock's build
# must not fail on a warning a newer compiler adds. `make WERROR=` turns it off in a checkout;
# the rockspec passes WERROR= as well.
WERROR     ?= $(if $(wildcard $(CURDIR)/.git),-Werror)
WARN       := -std=c11 -D_GNU_SOURCE -Wall -Wextra $(WERROR)
BUILD      ?= build
PREFIX     ?= /usr/local
LUA_VER    := 5.1

# The modules over heavy libraries are each their own shared object, <CORE_DIR>/hfl/core/<mod>.so
# from c/<mod>.c and c/l_<mod>.c, loaded by require on first use (c/core.c): linking libcurl,
# libgit2 and libarchive into hfl.core would make every command load ~45 more libraries.
SEPARATE   := http git archive
# Modules a build may go without: hfl.core.edit (line editing for `hfl repl`, over libedit) is
# built when libedit's development files are installed; without it the REPL reads plain lines.
OPTIONAL   := edit
SEPARATE   += $(if $(shell pkg-config --exists libedit 2>/dev/null && echo y),edit)
# Every other c/*.c except the executable's entry point is part of hfl.core, which is linked
# into the executable and built as <CORE_DIR>/hfl/core.so for plain LuaJIT.
CORE_SRC   := $(filter-out c/main.c $(foreach m,$(SEPARATE) $(OPTIONAL),c/$(m).c c/l_$(m).c),$(wildcard c/*.c))
CORE_PIC   := $(CORE_SRC:c/%.c=$(BUILD)/pic/%.o)
CORE_OBJ   := $(CORE_SRC:c/%.c=$(BUILD)/obj/%.o)
LUA_SRC    := $(shell find lua stdlib -name '*.lua' 2>/dev/null | sort)
CORE_DIR   ?= lua
CORE_SO    := $(CORE_DIR)/hfl/core.so
MOD_SOS    := $(SEPARATE:%=$(CORE_DIR)/hfl/core/%.so)

.PHONY: FORCE all deps deps-runtime test test-fast asan asan-build bench demo install uninstall install-rock rock clean oracle help cluster-up cluster-down fuzz
all: hfl $(CORE_SO) $(MOD_SOS) hfl.lua hfl.so

help:
	@echo "Build"
	@echo "  make all           (the default) build ./hfl, lua/hfl/core.so and lua/hfl/core/{http,git,archive,edit}.so"
	@echo "                     (edit.so, line editing for hfl repl, only when libedit-dev is installed;"
	@echo "                     -Werror in a git checkout only; make WERROR= turns it off)"
	@echo "  make clean         remove everything make built"
	@echo "Dependencies (Debian)"
	@echo "  make deps          everything: build, specs, benchmarks (Go, busted, docker-registry, hyperfine,"
	@echo "                     zsh, fish), helm 3 + 4 and kubectl in .deps/bin, the reference oracles"
	@echo "  make deps-runtime  only what building and running hfl needs: the C libraries, a compiler,"
	@echo "                     helm 4 and kubectl in .deps/bin"
	@echo "  make oracle        (re)build the Go YAML and template reference oracles in build/"
	@echo "Try it"
	@echo "  make demo          build and run hfl on the bundled examples (needs make deps)"
	@echo "Test"
	@echo "  make test          build and run every spec; last line 'N passed, N failed'"
	@echo "                     (starts a local Kubernetes API server for the #cluster specs if none runs)"
	@echo "  make test-fast     the specs without the #slow and #cluster ones"
	@echo "  make asan          the specs against ASan+UBSan builds"
	@echo "  make asan-build    only build them (hfl-asan, build-asan/)"
	@echo "  make fuzz          the fuzzers for longer (FUZZ_SECONDS each, default 300)"
	@echo "  make bench         run the benchmarks in bench/"
	@echo "  make cluster-up    start the local Kubernetes API server (built once per machine),"
	@echo "                     print its kubeconfig's path"
	@echo "  make cluster-down  stop it and remove its data"
	@echo "Install"
	@echo "  make install       into PREFIX (default /usr/local; DESTDIR honoured), with the man page"
	@echo "  make uninstall     remove what install put there"
	@echo "  make rock          the LuaRocks rock into ~/.luarocks (ROCK_TREE=dir for another tree)"
	@echo "  make install-rock  what luarocks make runs to install the rock (not for direct use)"
	@echo "  make help          this list"

deps:
	@bash spec/support/deps.sh

deps-runtime:
	@bash spec/support/deps.sh --runtime

$(BUILD)/pic/%.o: c/%.c $(wildcard c/*.h) | $(BUILD)/pic
	$(CC) $(WARN) $(CFLAGS) -fPIC $(PKG_CFLAGS) -c $< -o $@
$(BUILD)/obj/%.o: c/%.c $(wildcard c/*.h) | $(BUILD)/obj
	$(CC) $(WARN) $(CFLAGS) $(PKG_CFLAGS) -c $< -o $@
# The executable looks for its hfl/core/<mod>.so in <its directory>/$(CORE_DIR) (c/main.c).
$(BUILD)/obj/main.o: c/main.c $(wildcard c/*.h) | $(BUILD)/obj
	$(CC) $(WARN) $(CFLAGS) $(PKG_CFLAGS) -DHFL_CORE_DIR='"$(CORE_DIR)"' -c $< -o $@
$(BUILD)/pic $(BUILD)/obj:
	@mkdir -p $@

# The git commit hfl is built from (`hfl version`), only when this directory is the top of a git
# checkout (not a tarball unpacked inside another repository); otherwise "unknown". The header
# is rewritten only when the commit changes, so a rebuild recompiles only c/core.c.
GIT_COMMIT := $(shell [ "$$(git -C '$(CURDIR)' rev-parse --show-toplevel 2>/dev/null)" = '$(CURDIR)' ] && \
  git -C '$(CURDIR)' describe --always --dirty --abbrev=12 --exclude='*' 2>/dev/null || echo unknown)
$(BUILD)/commit.h: FORCE | $(BUILD)/obj
	@echo '#define HFL_GIT_COMMIT "$(GIT_COMMIT)"' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv -f $@.tmp $@
$(BUILD)/pic/core.o $(BUILD)/obj/core.o: $(BUILD)/commit.h
$(BUILD)/pic/core.o $(BUILD)/obj/core.o: PKG_CFLAGS += -I$(BUILD)
FORCE:

# The Lua sources, compiled to LuaJIT bytecode and linked into the executable.
$(BUILD)/embedded.c: $(LUA_SRC) c/embed.lua | $(BUILD)/obj
	$(LUAJIT) c/embed.lua $@ $(LUA_SRC)
$(BUILD)/obj/embedded.o: $(BUILD)/embedded.c
	$(CC) $(CFLAGS) -c $< -o $@

# Linked under a temporary name and renamed, so a running hfl or spec process that has the
# old file mapped keeps it intact.
# -Wl,-E: the hfl/core/<mod>.so it loads take the Lua C API from it.
hfl: $(BUILD)/obj/main.o $(CORE_OBJ) $(BUILD)/obj/embedded.o
	$(CC) $(CFLAGS) $(LDFLAGS) -Wl,-E -o $@.tmp $^ $(LUAJIT_LIB) $(CORE_LIBS) -lm -ldl && mv -f $@.tmp $@

$(CORE_SO): $(CORE_PIC)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -shared -o $@.tmp $^ $(CORE_LIBS) -lm && mv -f $@.tmp $@

# Kept (not removed as intermediates of the pattern rule below), so that make sees them built.
.SECONDARY: $(foreach m,$(SEPARATE),$(BUILD)/pic/$(m).o $(BUILD)/pic/l_$(m).o)
$(CORE_DIR)/hfl/core/%.so: $(BUILD)/pic/%.o $(BUILD)/pic/l_%.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -shared -o $@.tmp $^ $(LIBS_$*) -lm && mv -f $@.tmp $@

# Lets plain `luajit -e 'require "hfl"'` work from the build tree.
hfl.lua: c/buildtree.lua
	@sed 's|@ROOT@|$(CURDIR)/|' $< > $@

# Lets `require "hfl.proc"` (any hfl.* module) be the first require in the build tree
# (c/buildtree/rootso.c): one luaopen_ per module of lua/hfl, stdlib/ and hfl.core. The list is
# replaced only when it changes, so editing a module does not relink hfl.so.
$(BUILD)/rootso_modules.h: Makefile $(LUA_SRC) $(wildcard c/meta/*.lua)
	@mkdir -p $(dir $@)
	@{ cd lua && find hfl -mindepth 1 -name '*.lua' | sed -e 's|/init\.lua$$||' -e 's|\.lua$$||'; \
	  cd ../stdlib && find . -name '*.lua' | sed -e 's|^\./|hfl/stdlib/|' -e 's|\.lua$$||'; \
	  echo hfl/core; cd ../c/meta && ls *.lua | sed -e 's|\.lua$$||' -e 's|\.|/|g'; } | sort -u | grep -vx hfl | \
	  awk '{ n = $$0; gsub("/", ".", n); s = $$0; gsub("/", "_", s); printf "MODULE(%s, \"%s\")\n", s, n }' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv -f $@.tmp $@

hfl.so: c/buildtree/rootso.c $(BUILD)/rootso_modules.h
	$(CC) $(WARN) $(CFLAGS) -fPIC -shared $(PKG_CFLAGS) -I$(BUILD) -o $@.tmp $< && mv -f $@.tmp $@

# The #cluster specs need a Kubernetes API server: session.sh provides one (see its header).
test: all
	@bash spec/support/cluster/session.sh bash spec/support/run-specs.sh

test-fast: all
	@bash spec/support/run-specs.sh --exclude-tags=slow,cluster

cluster-up:
	@bash spec/support/cluster/up.sh

cluster-down:
	@bash spec/support/cluster/down.sh

# The fuzzers `make test` runs for a few seconds, for longer: chart archives (libFuzzer, ASan,
# UBSan; needs clang), helmfile.lua results (spec/unit/luafile_fuzz_spec.lua) and the native
# chart renderer against helm on random values (spec/unit/chart_fuzz_spec.lua).
FUZZ_SECONDS ?= 300
fuzz: all
	@OUT=$(BUILD)/fuzz bash spec/support/fuzz/build.sh >/dev/null
	@mkdir -p $(BUILD)/fuzz/archive-corpus $(BUILD)/fuzz/artifacts
	ASAN_OPTIONS=detect_leaks=1 $(BUILD)/fuzz/archive_fuzz -max_total_time=$(FUZZ_SECONDS) \
	  -max_len=256 -timeout=30 -artifact_prefix=$(BUILD)/fuzz/artifacts/ $(BUILD)/fuzz/archive-corpus
	HFL_FUZZ_SECONDS=$(FUZZ_SECONDS) bash spec/support/run-specs.sh spec/unit/luafile_fuzz_spec.lua
	HFL_FUZZ_SECONDS=$(FUZZ_SECONDS) bash spec/support/run-specs.sh spec/unit/chart_fuzz_spec.lua

oracle:
	@bash spec/support/yamlref/build.sh
	@bash spec/support/tmplref/build.sh

# The specs load hfl from the build tree (./hfl.lua), so the normal build comes first.
asan: all asan-build
	@HFL_ASAN=1 bash spec/support/cluster/session.sh bash spec/support/run-specs.sh

# hfl-asan, build-asan/hfl/core.so and build-asan/hfl/core/<mod>.so, without running specs.
asan-build:
	$(MAKE) BUILD=build-asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	  LDFLAGS="-fsanitize=address,undefined" CORE_DIR=build-asan hfl-asan build-asan/hfl/core.so \
	  $(SEPARATE:%=build-asan/hfl/core/%.so)

hfl-asan: $(BUILD)/obj/main.o $(CORE_OBJ) $(BUILD)/obj/embedded.o
	$(CC) $(CFLAGS) $(LDFLAGS) -Wl,-E -o $@.tmp $^ $(LUAJIT_LIB) $(CORE_LIBS) -lm -ldl && mv -f $@.tmp $@

bench: all
	@bash bench/run.sh

demo: deps all
	./hfl version
	./hfl -f examples/lua/helmfile.yaml -e prod list
	./hfl -f examples/lua/helmfile.lua -e prod build
	./hfl run examples/workflows/layer-values.lua
	./hfl run examples/workflows/check-environments.lua default prod
	@echo
	@echo 'helm and kubectl are in .deps/bin; for commands that run helm (template, diff, apply, ...)'
	@echo 'put them on PATH:  export PATH="$(CURDIR)/.deps/bin:$$PATH"   (or pass --helm-binary)'

# hfl(1), generated from the command tables (lua/hfl/cli/manpage.lua).
$(BUILD)/hfl.1: $(LUA_SRC) | hfl.lua hfl.so $(CORE_SO)
	@mkdir -p $(dir $@)
	@$(LUAJIT) -e 'package.path = "$(CURDIR)/?.lua;" .. package.path' \
	  -e 'local hfl = require "hfl"; io.write(require("hfl.cli.manpage").render(hfl.version))' > $@.tmp
	@mv -f $@.tmp $@

# Shell completions, generated by `hfl completion SHELL` from the command tables.
$(BUILD)/completions/hfl.bash $(BUILD)/completions/_hfl $(BUILD)/completions/hfl.fish: hfl
	@mkdir -p $(BUILD)/completions
	@./hfl completion bash > $(BUILD)/completions/hfl.bash.tmp && mv -f $(BUILD)/completions/hfl.bash.tmp $(BUILD)/completions/hfl.bash
	@./hfl completion zsh > $(BUILD)/completions/_hfl.tmp && mv -f $(BUILD)/completions/_hfl.tmp $(BUILD)/completions/_hfl
	@./hfl completion fish > $(BUILD)/completions/hfl.fish.tmp && mv -f $(BUILD)/completions/hfl.fish.tmp $(BUILD)/completions/hfl.fish
COMPLETIONS := $(BUILD)/completions/hfl.bash $(BUILD)/completions/_hfl $(BUILD)/completions/hfl.fish

LUA_SHARE := $(DESTDIR)$(PREFIX)/share/lua/$(LUA_VER)
LUA_LIB   := $(DESTDIR)$(PREFIX)/lib/lua/$(LUA_VER)
MAN1      := $(DESTDIR)$(PREFIX)/share/man/man1
BASH_COMP := $(DESTDIR)$(PREFIX)/share/bash-completion/completions
ZSH_COMP  := $(DESTDIR)$(PREFIX)/share/zsh/site-functions
FISH_COMP := $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
install: all $(BUILD)/hfl.1 $(COMPLETIONS)
	install -d $(DESTDIR)$(PREFIX)/bin $(LUA_LIB)/hfl/core $(MAN1) $(BASH_COMP) $(ZSH_COMP) $(FISH_COMP)
	install -m 755 hfl $(DESTDIR)$(PREFIX)/bin/hfl
	install -m 755 $(CORE_SO) $(LUA_LIB)/hfl/core.so
	install -m 755 $(MOD_SOS) $(LUA_LIB)/hfl/core/
	cd lua && find hfl -name '*.lua' -exec install -D -m 644 {} $(LUA_SHARE)/{} \;
	cd stdlib && find . -name '*.lua' -exec install -D -m 644 {} $(LUA_SHARE)/hfl/stdlib/{} \;
	install -m 644 $(BUILD)/hfl.1 $(MAN1)/hfl.1
	install -m 644 $(BUILD)/completions/hfl.bash $(BASH_COMP)/hfl
	install -m 644 $(BUILD)/completions/_hfl $(ZSH_COMP)/_hfl
	install -m 644 $(BUILD)/completions/hfl.fish $(FISH_COMP)/hfl.fish

# Removes what `install` put under PREFIX, then the directories it leaves empty.
uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/hfl $(MAN1)/hfl.1 $(BASH_COMP)/hfl $(ZSH_COMP)/_hfl $(FISH_COMP)/hfl.fish
	rm -rf $(LUA_SHARE)/hfl $(LUA_LIB)/hfl
	@for d in $(MAN1) $(DESTDIR)$(PREFIX)/share/man $(BASH_COMP) $(DESTDIR)$(PREFIX)/share/bash-completion \
	  $(ZSH_COMP) $(DESTDIR)$(PREFIX)/share/zsh $(FISH_COMP) $(DESTDIR)$(PREFIX)/share/fish \
	  $(LUA_SHARE) $(DESTDIR)$(PREFIX)/share/lua \
	  $(DESTDIR)$(PREFIX)/share $(LUA_LIB) $(DESTDIR)$(PREFIX)/lib/lua $(DESTDIR)$(PREFIX)/lib \
	  $(DESTDIR)$(PREFIX)/bin; do [ -d "$$d" ] && rmdir --ignore-fail-on-non-empty "$$d"; done; true

# The rock in one command with Debian's luarocks (whose default Lua is not 5.1): into
# ~/.luarocks, or ROCK_TREE=dir. It prints the line that puts the tree on LUA_PATH/LUA_CPATH.
ROCK_TREE  ?=
ROCK_WHERE := $(if $(ROCK_TREE),--tree $(ROCK_TREE),--local)
rock:
	luarocks --lua-version=$(LUA_VER) make $(ROCK_WHERE) hfl-scm-1.rockspec
	@echo 'for `require "hfl"` from luajit: eval "$$(luarocks --lua-version=$(LUA_VER) path $(ROCK_WHERE))"'

# `luarocks make` installs through this target (see hfl-scm-1.rockspec).
install-rock: all
	install -d $(LUADIR)/hfl $(LIBDIR)/hfl $(BINDIR)
	install -m 755 $(CORE_SO) $(LIBDIR)/hfl/core.so
	install -d $(LIBDIR)/hfl/core
	install -m 755 $(MOD_SOS) $(LIBDIR)/hfl/core/
	install -m 755 hfl $(BINDIR)/hfl
	cd lua && find hfl -name '*.lua' -exec install -D -m 644 {} $(LUADIR)/{} \;
	cd stdlib && find . -name '*.lua' -exec install -D -m 644 {} $(LUADIR)/hfl/stdlib/{} \;

clean:
	rm -rf build build-asan hfl hfl-asan hfl.lua hfl.so $(CORE_SO) $(MOD_SOS)
