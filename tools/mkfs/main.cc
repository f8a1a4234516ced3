// mkfs: build an xv6-format file-system image holding the given files in its root directory.
//   mkfs [--format=xv6-riscv|xv6-x86] [-s blocks] [-i inodes] [-l logblocks] fs.img file...
// The format defaults to xv6-riscv; -s, -i and -l default to the format's (xv6's) values.
// Each file is stored under its base name with one leading '_' removed (xv6's Makefile names
// programs _cat, _ls, ...). On any error nothing valid-looking is left at fs.img.
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "tools/fslib/builder.h"
#include "tools/fslib/dir.h"

namespace {

using pagoda::BasicStatus;
using pagoda::Error;
using pagoda::FsFormat;
using pagoda::Result;
using pagoda::fslib::about;
using pagoda::fslib::fail;
using pagoda::fslib::Failure;
using pagoda::fslib::FsBuilder;
using pagoda::fslib::Geometry;
using pagoda::fslib::Image;

constexpr uint32_t kMaxImageBlocks = 1u << 20;  // 1 GiB: the image is built in memory

struct Options {
  Geometry geometry;  // format and sizes: each format's defaults unless given
  std::string output;
  std::vector<std::string> inputs;
};

void usage() {
  std::fprintf(stderr,
               "usage: mkfs [--format=xv6-riscv|xv6-x86] [-s blocks] [-i inodes] [-l logblocks] "
               "fs.img file...\n");
  for (const FsFormat* f : pagoda::kFsFormats)
    std::fprintf(stderr, "  %-9s  %4u-byte blocks; defaults -s %u -i %u -l %u%s\n", f->name,
                 f->block_size, f->default_size, f->default_ninodes, f->default_nlog,
                 f == pagoda::kFsFormats[0] ? " (the default format)" : "");
}

Result<const FsFormat*, Failure> parse_format(std::string_view name) {
  for (const FsFormat* f : pagoda::kFsFormats)
    if (name == f->name) return f;
  return fail(Error::kInvalid, "--format: unknown format '" + std::string(name) + "'");
}

Result<uint32_t, Failure> parse_number(std::string_view flag, const char* text) {
  uint32_t v = 0;
  std::string_view s(text);
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty())
    return fail(Error::kInvalid, std::string(flag) + ": '" + std::string(s) + "' is not a number");
  return v;
}

// Fills `opts` from argv; a failure is a usage error.
BasicStatus<Failure> parse_args(int argc, char** argv, Options& opts) {
  // Sizes given on the command line, applied over the format's defaults once all flags are read.
  struct Given {
    const char* flag;
    uint32_t Geometry::*field;
    bool set = false;
    uint32_t value = 0;
  } given[] = {{"-s", &Geometry::size}, {"-i", &Geometry::ninodes}, {"-l", &Geometry::nlog}};
  const FsFormat* format = pagoda::kFsFormats[0];
  constexpr std::string_view kFormatFlag = "--format=";
  int i = 1;
  for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
    std::string_view flag(argv[i]);
    if (flag == "--") {
      i++;
      break;
    }
    if (flag.starts_with(kFormatFlag)) {
      format = PAGODA_TRY(parse_format(flag.substr(kFormatFlag.size())));
      continue;
    }
    Given* g = nullptr;
    for (Given& candidate : given)
      if (flag == candidate.flag) g = &candidate;
    if (g == nullptr) return fail(Error::kInvalid, "unknown option " + std::string(flag));
    if (i + 1 >= argc) return fail(Error::kInvalid, std::string(flag) + " needs a value");
    g->value = PAGODA_TRY(parse_number(flag, argv[++i]));
    g->set = true;
  }
  opts.geometry = Geometry::defaults(*format);
  for (const Given& g : given)
    if (g.set) opts.geometry.*g.field = g.value;
  if (opts.geometry.size > kMaxImageBlocks)
    return fail(Error::kTooBig, "-s: at most " + std::to_string(kMaxImageBlocks) + " blocks");
  if (i >= argc) return fail(Error::kInvalid, "no output image named");
  opts.output = argv[i++];
  opts.inputs.assign(argv + i, argv + argc);
  return {};
}

// The name a file gets in the image: its base name without one leading '_' (xv6 mkfs).
std::string image_name(const std::string& path) {
  std::string_view name(path);
  if (size_t slash = name.find_last_of('/'); slash != std::string_view::npos)
    name.remove_prefix(slash + 1);
  if (!name.empty() && name[0] == '_') name.remove_prefix(1);
  return std::string(name);
}

Result<std::vector<uint8_t>, Failure> read_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return fail(Error::kIo, path + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return fail(Error::kInvalid, path + ": not a regular file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Error::kIo, path + ": cannot open");
  std::vector<uint8_t> data{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) return fail(Error::kIo, path + ": read error");
  return data;
}

Result<Image, Failure> build(const Options& opts) {
  FsBuilder builder = PAGODA_TRY(FsBuilder::create(opts.geometry));
  for (const std::string& path : opts.inputs) {
    std::string name = image_name(path);
    if (!pagoda::fslib::valid_entry_name(name))
      return fail(Error::kInvalid,
                  path + ": name '" + name + "' must be 1 to " + std::to_string(DIRSIZ) + " bytes");
    std::vector<uint8_t> data = PAGODA_TRY(read_file(path));
    if (auto added = builder.add_file(ROOTINO, name, data); !added)
      return about(path, added.error());
  }
  return std::move(builder).finish();
}

}  // namespace

int main(int argc, char** argv) {
  Options opts;
  if (BasicStatus<Failure> s = parse_args(argc, argv, opts); !s) {
    std::fprintf(stderr, "mkfs: %s\n", s.error().message.c_str());
    usage();
    return 2;
  }
  Result<Image, Failure> image = build(opts);
  BasicStatus<Failure> saved = image ? image->save(opts.output) : image.error();
  if (!saved) {
    std::fprintf(stderr, "mkfs: %s\n", saved.error().message.c_str());
    // An old image must not pass for the result of this run (xv6 mkfs truncates it first).
    ::unlink(opts.output.c_str());
    return 1;
  }
  return 0;
}
