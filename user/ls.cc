// ls: list files (xv6: user/ls.c). One line per entry in xv6's format: the name padded to DIRSIZ,
// then type, inode number and size.
#include "kernel/fcntl.h"
#include "kernel/fs.h"
#include "kernel/param.h"
#include "kernel/stat.h"
#include "user/lib/fd.h"
#include "user/user.h"

namespace {

// The last path component, blank-padded to DIRSIZ as xv6's fmtname does (longer names unpadded).
class DisplayName {
 public:
  explicit DisplayName(const char* path) {
    const char* base = path + strlen(path);
    while (base > path && base[-1] != '/') base--;
    uint len = strlen(base);
    if (len >= sizeof(text_)) len = sizeof(text_) - 1;
    memmove(text_, base, static_cast<int>(len));
    for (; len < DIRSIZ; len++) text_[len] = ' ';
    text_[len] = '\0';
  }
  const char* c_str() const { return text_; }

 private:
  char text_[MAXPATH];
};

void print_entry(const char* path, const struct stat& st) {
  printf("%s %d %d %d\n", DisplayName(path).c_str(), st.type, st.ino, static_cast<int>(st.size));
}

// Lists every entry of the open directory `dir`, whose path is `path`.
void list_directory(int dir, const char* path) {
  char buf[MAXPATH];
  uint prefix = strlen(path);
  if (prefix + 1 + DIRSIZ + 1 > sizeof(buf)) {
    fprintf(2, "ls: path too long\n");
    return;
  }
  strcpy(buf, path);
  buf[prefix++] = '/';
  struct dirent de;
  while (read(dir, &de, sizeof(de)) == sizeof(de)) {
    if (de.inum == 0) continue;
    // Names of exactly DIRSIZ bytes are not NUL-terminated on disk.
    memmove(buf + prefix, de.name, DIRSIZ);
    buf[prefix + DIRSIZ] = '\0';
    struct stat st;
    if (stat(buf, &st) < 0) {
      fprintf(2, "ls: cannot stat %s\n", buf);
      continue;
    }
    print_entry(buf, st);
  }
}

int ls(const char* path) {
  ulib::Fd fd = ulib::Fd::open(path, O_RDONLY);
  if (!fd.valid()) {
    fprintf(2, "ls: cannot open %s\n", path);
    return 1;
  }
  struct stat st;
  if (fstat(fd.get(), &st) < 0) {
    fprintf(2, "ls: cannot stat %s\n", path);
    return 1;
  }
  if (st.type == T_DIR) {
    list_directory(fd.get(), path);
  } else {
    print_entry(path, st);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return ls(".");
  int status = 0;
  for (int i = 1; i < argc; i++) status |= ls(argv[i]);
  return status;
}
