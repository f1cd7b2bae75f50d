/* hfl edit: see edit.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <histedit.h>

#include "edit.h"

#define HISTORY_SIZE 1000

struct hfl_edit {
    EditLine *el;
    History *hist;
    const char *prompt;  /* the caller's, during hfl_edit_read */
    int interrupted;
    hfl_edit_complete_fn complete;
    void *ud;
};

static struct hfl_edit *editor_of(EditLine *el)
{
    void *ed = NULL;
    el_get(el, EL_CLIENTDATA, &ed);
    return ed;
}

static char *prompt_of(EditLine *el)
{
    return (char *)editor_of(el)->prompt;
}

/* Ctrl-C: shows ^C at the end of the line and ends it, marked as abandoned. The terminal is
 * set to not raise SIGINT while editing (-isig), so ^C reaches us as a key. */
static unsigned char on_interrupt(EditLine *el, int ch)
{
    (void)ch;
    struct hfl_edit *ed = editor_of(el);
    const LineInfo *li = el_line(el);
    el_cursor(el, (int)(li->lastchar - li->cursor));
    el_insertstr(el, "^C");
    ed->interrupted = 1;
    el_push(el, "\n");
    return CC_REFRESH;
}

static unsigned char on_complete(EditLine *el, int ch)
{
    (void)ch;
    struct hfl_edit *ed = editor_of(el);
    if (!ed->complete)
        return CC_ERROR;
    const LineInfo *li = el_line(el);
    switch (ed->complete(ed->ud, ed, li->buffer, (size_t)(li->cursor - li->buffer))) {
    case HFL_EDIT_INSERTED:
        return CC_REFRESH;
    case HFL_EDIT_LISTED:
        return CC_REDISPLAY;
    default:
        return CC_ERROR;
    }
}

struct hfl_edit *hfl_edit_new(const char *program, hfl_edit_complete_fn complete, void *ud)
{
    struct hfl_edit *ed = calloc(1, sizeof *ed);
    if (!ed)
        return NULL;
    ed->complete = complete;
    ed->ud = ud;
    ed->prompt = "";
    ed->el = el_init(program, stdin, stdout, stderr);
    ed->hist = history_init();
    if (!ed->el || !ed->hist) {
        hfl_edit_free(ed);
        return NULL;
    }
    HistEvent ev;
    history(ed->hist, &ev, H_SETSIZE, HISTORY_SIZE);
    history(ed->hist, &ev, H_SETUNIQUE, 1);
    el_set(ed->el, EL_CLIENTDATA, ed);
    el_set(ed->el, EL_EDITOR, "emacs");
    el_set(ed->el, EL_SIGNAL, 1);
    el_set(ed->el, EL_PROMPT, prompt_of);
    el_set(ed->el, EL_HIST, history, ed->hist);
    el_set(ed->el, EL_SETTY, "-d", "-isig", NULL);
    el_set(ed->el, EL_ADDFN, "hfl-interrupt", "abandon the line", on_interrupt);
    el_set(ed->el, EL_ADDFN, "hfl-complete", "complete the word", on_complete);
    el_set(ed->el, EL_BIND, "^C", "hfl-interrupt", NULL);
    el_set(ed->el, EL_BIND, "^I", "hfl-complete", NULL);
    el_source(ed->el, NULL);  /* the user's ~/.editrc may rebind keys */
    return ed;
}

void hfl_edit_free(struct hfl_edit *ed)
{
    if (!ed)
        return;
    if (ed->el)
        el_end(ed->el);
    if (ed->hist)
        history_end(ed->hist);
    free(ed);
}

const char *hfl_edit_read(struct hfl_edit *ed, const char *prompt, size_t *len, int *interrupted)
{
    int count = 0;
    ed->prompt = prompt;
    ed->interrupted = 0;
    const char *line = el_gets(ed->el, &count);
    ed->prompt = "";
    *interrupted = ed->interrupted;
    if (!line || count <= 0) {
        *len = 0;
        return NULL;
    }
    size_t n = (size_t)count;
    if (line[n - 1] == '\n')
        n--;
    *len = n;
    return line;
}

int hfl_edit_insert(struct hfl_edit *ed, const char *text)
{
    return el_insertstr(ed->el, text);
}

static size_t terminal_columns(void)
{
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 80;
}

void hfl_edit_list(struct hfl_edit *ed, const char *const *items, size_t n)
{
    (void)ed;
    size_t width = 0;
    for (size_t i = 0; i < n; i++) {
        size_t w = strlen(items[i]);
        if (w > width)
            width = w;
    }
    width += 2;
    size_t per_row = terminal_columns() / width;
    if (per_row == 0)
        per_row = 1;
    size_t rows = (n + per_row - 1) / per_row;
    fputc('\n', stdout);
    for (size_t r = 0; r < rows; r++) {
        for (size_t c = 0; c < per_row && c * rows + r < n; c++) {
            size_t i = c * rows + r;  /* down the columns, as shells list */
            int more = c + 1 < per_row && i + rows < n;
            fprintf(stdout, "%-*s", more ? (int)width : 0, items[i]);
        }
        fputc('\n', stdout);
    }
    fflush(stdout);
}

void hfl_edit_history_add(struct hfl_edit *ed, const char *line)
{
    HistEvent ev;
    history(ed->hist, &ev, H_ENTER, line);
}

int hfl_edit_history_load(struct hfl_edit *ed, const char *path)
{
    HistEvent ev;
    return history(ed->hist, &ev, H_LOAD, path) < 0 ? -1 : 0;
}

int hfl_edit_history_save(struct hfl_edit *ed, const char *path)
{
    /* libedit writes with fopen's default mode: the file is made private first, since the
     * lines typed may hold secrets */
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    int ok = fchmod(fd, 0600) == 0;
    close(fd);
    HistEvent ev;
    if (!ok || history(ed->hist, &ev, H_SAVE, path) < 0)
        return -1;
    return 0;
}
