// sh: the shell (xv6: user/sh.c). Each line is split into tokens (Lexer), parsed into a command
// tree (Parser), and run (Runner): lists and builtins in the shell itself, everything else in a
// child. Supports `|` pipes, `<` `>` `>>` redirection, `;` lists, `&` background jobs, `( )`
// groups, quotes, and the builtins cd and exit. The prompt `$ ` goes to fd 2, as in xv6, but only
// when the input is the console.
#include "kernel/fcntl.h"
#include "kernel/param.h"
#include "kernel/stat.h"
#include "user/user.h"

namespace {

constexpr int kLineMax = 512;
constexpr int kMaxTokens = 128;
constexpr int kMaxNodes = 64;
constexpr int kMaxArgs = MAXARG - 1;  // exec takes MAXARG pointers including the final null
constexpr int kMaxRedirects = 8;
constexpr int kMaxNesting = 8;  // ( ) inside ( )

// ---- Lexer -------------------------------------------------------------------------------------

enum class TokenKind {
  kWord,
  kPipe,        // |
  kSemicolon,   // ;
  kAmpersand,   // &
  kLeftParen,   // (
  kRightParen,  // )
  kLess,        // <
  kGreater,     // >
  kAppend,      // >>
  kEnd,
};

struct Token {
  TokenKind kind;
  char* text;  // kWord: the word, NUL-terminated in the line buffer
  char* end;   // kWord: the byte after the word, where its NUL goes
};

constexpr bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v';
}
constexpr bool is_symbol(char c) {
  return c == '|' || c == ';' || c == '&' || c == '(' || c == ')' || c == '<' || c == '>';
}

// Splits a line into tokens. Quotes ('...' or "...", no escapes; not in xv6) keep blanks and
// symbols inside a word and are removed in place. Words are NUL-terminated only after the whole
// line has been scanned, because the byte after a word may be a symbol (`echo hi|wc`).
class Lexer {
 public:
  // Returns the number of tokens (the last is kEnd), or -1 with error() set.
  int scan(char* line, Token* tokens) {
    error_ = nullptr;
    int n = 0;
    char* p = line;
    for (;;) {
      while (is_blank(*p)) p++;
      if (n == kMaxTokens) return fail("too many words");
      if (*p == '\0') {
        tokens[n++] = {TokenKind::kEnd, nullptr, nullptr};
        break;
      }
      if (is_symbol(*p)) {
        tokens[n++] = {symbol(p), nullptr, nullptr};
        continue;
      }
      char* start = p;
      char* end = word(p);
      if (end == nullptr) return fail("unterminated quote");
      tokens[n++] = {TokenKind::kWord, start, end};
    }
    for (int i = 0; i < n; i++) {
      if (tokens[i].kind == TokenKind::kWord) *tokens[i].end = '\0';
    }
    return n;
  }
  const char* error() const { return error_; }

 private:
  int fail(const char* why) {
    error_ = why;
    return -1;
  }

  // Consumes the word at p, copying it over itself without its quotes; returns where the word's
  // text now ends (never past p), or nullptr if a quote is not closed.
  static char* word(char*& p) {
    char* out = p;
    while (*p != '\0' && !is_blank(*p) && !is_symbol(*p)) {
      if (*p != '\'' && *p != '"') {
        *out++ = *p++;
        continue;
      }
      char quote = *p++;
      while (*p != quote) {
        if (*p == '\0') return nullptr;
        *out++ = *p++;
      }
      p++;
    }
    return out;
  }

  const char* error_ = nullptr;

  // Consumes one symbol token at p.
  static TokenKind symbol(char*& p) {
    switch (*p++) {
      case '|':
        return TokenKind::kPipe;
      case ';':
        return TokenKind::kSemicolon;
      case '&':
        return TokenKind::kAmpersand;
      case '(':
        return TokenKind::kLeftParen;
      case ')':
        return TokenKind::kRightParen;
      case '<':
        return TokenKind::kLess;
      default:  // '>'
        if (*p == '>') {
          p++;
          return TokenKind::kAppend;
        }
        return TokenKind::kGreater;
    }
  }
};

// ---- Command tree ------------------------------------------------------------------------------

enum class Kind {
  kExec,        // argv with redirections
  kGroup,       // ( inner ) with redirections
  kPipe,        // left | right
  kList,        // left ; right
  kBackground,  // inner &
};

struct Redirect {
  const char* file;
  int fd;       // 0 for <, 1 for > and >>
  int flags;    // open flags
  bool append;  // >>: start writing at the end of the file
};

struct Command {
  Kind kind;
  int argc;
  char* argv[kMaxArgs + 1];
  int nredirects;
  Redirect redirects[kMaxRedirects];
  Command* left;   // kPipe, kList; kGroup and kBackground: the inner command
  Command* right;  // kPipe, kList
};

// ---- Parser ------------------------------------------------------------------------------------
//   sequence := job ((';' | after '&') job)* ';'?
//   job      := pipeline '&'*
//   pipeline := command ('|' pipeline)?
//   command  := '(' sequence ')' redirect* | (word | redirect)+
//   redirect := ('<' | '>' | '>>') word

class Parser {
 public:
  // Parses the tokens into a tree in this parser's node pool. nullptr with error() set on a syntax
  // error; nullptr with no error for an empty line.
  Command* parse(const Token* tokens) {
    tokens_ = tokens;
    pos_ = 0;
    used_ = 0;
    depth_ = 0;
    error_ = nullptr;
    if (peek() == TokenKind::kEnd) return nullptr;
    Command* c = sequence();
    if (c != nullptr && peek() != TokenKind::kEnd) fail("unexpected token");
    return error_ == nullptr ? c : nullptr;
  }
  const char* error() const { return error_; }

 private:
  TokenKind peek() const { return tokens_[pos_].kind; }
  const Token& next() { return tokens_[pos_++]; }
  bool accept(TokenKind kind) {
    if (peek() != kind) return false;
    pos_++;
    return true;
  }
  Command* fail(const char* why) {
    if (error_ == nullptr) error_ = why;
    return nullptr;
  }
  static bool starts_command(TokenKind k) {
    return k == TokenKind::kWord || k == TokenKind::kLeftParen || k == TokenKind::kLess ||
           k == TokenKind::kGreater || k == TokenKind::kAppend;
  }

  Command* node(Kind kind, Command* left = nullptr, Command* right = nullptr) {
    if (used_ == kMaxNodes) return fail("command too long");
    Command* c = &pool_[used_++];
    c->kind = kind;
    c->argc = 0;
    c->argv[0] = nullptr;
    c->nredirects = 0;
    c->left = left;
    c->right = right;
    return c;
  }

  // Lists and pipelines are built iteratively, as right-nested trees (`a;b;c` is a;(b;c)), so
  // parsing a long line takes no more stack than a short one: the user stack is one page.
  Command* sequence() {
    Command* head = nullptr;
    Command** hole = &head;  // where the next job goes
    for (;;) {
      Command* c = job();
      if (c == nullptr) return nullptr;
      bool separated = c->kind == Kind::kBackground;
      if (accept(TokenKind::kSemicolon)) separated = true;
      if (!separated || !starts_command(peek())) {
        *hole = c;
        return head;
      }
      Command* list = node(Kind::kList, c);
      if (list == nullptr) return nullptr;
      *hole = list;
      hole = &list->right;
    }
  }

  Command* job() {
    Command* c = pipeline();
    while (c != nullptr && accept(TokenKind::kAmpersand)) c = node(Kind::kBackground, c);
    return c;
  }

  Command* pipeline() {
    Command* head = nullptr;
    Command** hole = &head;
    for (;;) {
      Command* c = command();
      if (c == nullptr) return nullptr;
      if (!accept(TokenKind::kPipe)) {
        *hole = c;
        return head;
      }
      Command* pipe = node(Kind::kPipe, c);
      if (pipe == nullptr) return nullptr;
      *hole = pipe;
      hole = &pipe->right;
    }
  }

  Command* command() {
    if (accept(TokenKind::kLeftParen)) {
      // Groups are the one recursion left: bound it.
      if (depth_ == kMaxNesting) return fail("too deeply nested");
      depth_++;
      Command* inner = sequence();
      depth_--;
      if (inner == nullptr) return fail("empty ( )");
      if (!accept(TokenKind::kRightParen)) return fail("missing )");
      Command* group = node(Kind::kGroup, inner);
      while (group != nullptr && is_redirect(peek())) {
        if (!redirect(*group)) return nullptr;
      }
      return group;
    }
    if (!starts_command(peek())) return fail("missing command");
    Command* c = node(Kind::kExec);
    while (c != nullptr) {
      if (is_redirect(peek())) {
        if (!redirect(*c)) return nullptr;
      } else if (peek() == TokenKind::kWord) {
        if (c->argc == kMaxArgs) return fail("too many arguments");
        c->argv[c->argc++] = next().text;
        c->argv[c->argc] = nullptr;
      } else {
        break;
      }
    }
    return c;
  }

  static bool is_redirect(TokenKind k) {
    return k == TokenKind::kLess || k == TokenKind::kGreater || k == TokenKind::kAppend;
  }

  bool redirect(Command& c) {
    TokenKind kind = next().kind;
    if (peek() != TokenKind::kWord) return fail("missing file name") != nullptr;
    if (c.nredirects == kMaxRedirects) return fail("too many redirections") != nullptr;
    Redirect& r = c.redirects[c.nredirects++];
    r.file = next().text;
    r.append = kind == TokenKind::kAppend;
    if (kind == TokenKind::kLess) {
      r.fd = 0;
      r.flags = O_RDONLY;
    } else {
      r.fd = 1;
      r.flags = r.append ? (O_RDWR | O_CREATE) : (O_WRONLY | O_CREATE | O_TRUNC);
    }
    return true;
  }

  const Token* tokens_ = nullptr;
  int pos_ = 0;
  int used_ = 0;
  int depth_ = 0;  // open ( )
  const char* error_ = nullptr;
  Command pool_[kMaxNodes] = {};
};

// ---- Runner ------------------------------------------------------------------------------------

int fork_or_die() {
  int pid = fork();
  if (pid < 0) {
    fprintf(2, "sh: fork failed\n");
    exit(1);
  }
  return pid;
}

// Waits for the child `pid`, reaping any other children that finish first; returns its status.
int wait_for(int pid) {
  for (;;) {
    int status = 0;
    int done = wait(&status);
    if (done == pid) return status;
    if (done < 0) return -1;
  }
}

// xv6 has no O_APPEND: reach the end of the file by reading through it.
void seek_to_end(int fd) {
  char buf[512];
  while (read(fd, buf, sizeof(buf)) > 0) {
  }
}

// Points r.fd at r.file; exits the (child) process if it cannot.
void apply(const Redirect& r) {
  close(r.fd);
  int fd = open(r.file, r.flags);
  if (fd != r.fd) {
    fprintf(2, "open %s failed\n", r.file);
    exit(1);
  }
  if (r.append) seek_to_end(fd);
}

bool run_builtin(const Command& c, int* status);
int run_in_child(const Command& c);

// Execs a simple command after its redirections; never returns.
[[noreturn]] void run_exec(const Command& c) {
  for (int i = 0; i < c.nredirects; i++) apply(c.redirects[i]);
  if (c.argc == 0) exit(0);  // only redirections, like `> file`
  int status;
  if (run_builtin(c, &status)) exit(status);
  exec(c.argv[0], const_cast<char**>(c.argv));
  // Programs live in the root directory: find them from any working directory.
  if (strchr(c.argv[0], '/') == nullptr && strlen(c.argv[0]) + 2 <= MAXPATH) {
    char path[MAXPATH];
    path[0] = '/';
    strcpy(path + 1, c.argv[0]);
    exec(path, const_cast<char**>(c.argv));
  }
  fprintf(2, "exec %s failed\n", c.argv[0]);
  exit(1);
}

// Makes fd `target` the end `end` of pipe p, and closes both original pipe fds.
void connect(int target, int end, const int p[2]) {
  close(target);
  dup(p[end]);
  close(p[0]);
  close(p[1]);
}

// Runs `cmd` in this process, which is a child of the shell; never returns. Loops down the tree
// instead of recursing, so that long pipelines and lists need no more stack.
[[noreturn]] void run(const Command& cmd) {
  const Command* c = &cmd;
  for (;;) {
    switch (c->kind) {
      case Kind::kExec:
        run_exec(*c);
      case Kind::kGroup:
        for (int i = 0; i < c->nredirects; i++) apply(c->redirects[i]);
        c = c->left;
        break;
      case Kind::kPipe: {
        int p[2];
        if (pipe(p) < 0) {
          fprintf(2, "sh: pipe failed\n");
          exit(1);
        }
        int writer = fork_or_die();
        if (writer == 0) {
          connect(1, 1, p);
          c = c->left;
          break;
        }
        int reader = fork_or_die();
        if (reader == 0) {
          connect(0, 0, p);
          c = c->right;
          break;
        }
        close(p[0]);
        close(p[1]);
        int status = wait_for(reader);
        wait_for(writer);
        exit(status);
      }
      case Kind::kList:
        run_in_child(*c->left);
        c = c->right;
        break;
      case Kind::kBackground:
        // The job's process is orphaned at once, so init reaps it and the shell never waits.
        if (fork_or_die() != 0) exit(0);
        c = c->left;
        break;
    }
  }
}

// Forks a child to run c and waits for it; returns its exit status. Called by the shell itself, so
// a failed fork is reported, not fatal.
int run_in_child(const Command& c) {
  int pid = fork();
  if (pid < 0) {
    fprintf(2, "sh: fork failed\n");
    return -1;
  }
  if (pid == 0) run(c);
  return wait_for(pid);
}

// cd and exit must run in the shell's own process to mean anything. True if c was a builtin.
bool run_builtin(const Command& c, int* status) {
  if (c.kind != Kind::kExec || c.argc == 0) return false;
  if (strcmp(c.argv[0], "cd") == 0) {
    const char* dir = c.argc > 1 ? c.argv[1] : "/";
    *status = chdir(dir) < 0 ? 1 : 0;
    if (*status != 0) fprintf(2, "cannot cd %s\n", dir);
    return true;
  }
  if (strcmp(c.argv[0], "exit") == 0) exit(c.argc > 1 ? atoi(c.argv[1]) : 0);
  return false;
}

// Runs a parsed line from the shell process: lists step by step here, so that `cd d; ls` works;
// builtins here; everything else in a child.
int execute_one(const Command& c) {
  int status;
  if (c.nredirects == 0 && run_builtin(c, &status)) return status;
  return run_in_child(c);
}

int execute(const Command& cmd) {
  const Command* c = &cmd;
  for (; c->kind == Kind::kList; c = c->right) execute_one(*c->left);
  return execute_one(*c);
}

// Reads one line into buf. False at end of input. A line too long for buf is dropped whole.
bool read_line(char* buf, int size) {
  for (;;) {
    gets(buf, size);
    if (buf[0] == '\0') return false;
    int len = static_cast<int>(strlen(buf));
    bool complete = buf[len - 1] == '\n' || buf[len - 1] == '\r' || len < size - 1;
    if (complete) return true;
    fprintf(2, "sh: line too long\n");
    do {
      gets(buf, size);
      len = static_cast<int>(strlen(buf));
    } while (len == size - 1 && buf[len - 1] != '\n' && buf[len - 1] != '\r');
    if (len == 0) return false;
  }
}

// Make sure fds 0, 1 and 2 are open (on the console) before anything is run.
void ensure_standard_fds() {
  for (;;) {
    int fd = open("console", O_RDWR);
    if (fd < 0) return;
    if (fd >= 3) {
      close(fd);
      return;
    }
  }
}

// Prompt only when reading from the console (a device), so `sh < script` prints just the output of
// the commands, as a Unix shell does; xv6's sh prompts even then.
bool input_is_console() {
  struct stat st;
  return fstat(0, &st) == 0 && st.type == T_DEVICE;
}

char line[kLineMax];
Token tokens[kMaxTokens];
Lexer lexer;
constinit Parser parser;

}  // namespace

int main(int argc, char** argv) {
  ensure_standard_fds();
  // `sh file` reads commands from file instead of the console.
  if (argc > 1) {
    close(0);
    if (open(argv[1], O_RDONLY) != 0) {
      fprintf(2, "sh: cannot open %s\n", argv[1]);
      return 1;
    }
  }
  bool interactive = input_is_console();
  for (;;) {
    if (interactive) fprintf(2, "$ ");
    if (!read_line(line, sizeof(line))) return 0;
    if (lexer.scan(line, tokens) < 0) {
      fprintf(2, "sh: syntax error: %s\n", lexer.error());
      continue;
    }
    Command* c = parser.parse(tokens);
    if (c == nullptr) {
      if (parser.error() != nullptr) fprintf(2, "sh: syntax error: %s\n", parser.error());
      continue;
    }
    execute(*c);
  }
}
