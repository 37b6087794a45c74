// weaken_verneed: mark one symbol-version requirement of an ELF shared library
// as weak, so the dynamic loader no longer refuses to load the library when the
// providing library lacks that version.
//
//   usage: weaken_verneed <elf-file> <needed-library> <version>
//   e.g.   weaken_verneed libLibTorchSharp.so libstdc++.so.6 GLIBCXX_3.4.32
//
// The requirement lives in .gnu.version_r: a chain of Verneed records (one per
// needed library, named in .dynstr by vn_file), each with a chain of Vernaux
// records (one per required version, named by vna_name). Setting VER_FLG_WEAK
// in the matching Vernaux turns glibc's "version ... not found" error into a
// silent skip. Only that 16-bit flags field is rewritten, in place.
//
// Built by native/TorchSharpGlibcxxShim.targets; see native/README.md.

#include <elf.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

[[noreturn]] void fail(const std::string& file, const std::string& msg) {
    std::fprintf(stderr, "weaken_verneed: error: %s: %s\n", file.c_str(), msg.c_str());
    std::exit(1);
}

// Bounds-checked view of the whole file; every read goes through here so a
// truncated or unexpected file gives an error instead of reading garbage.
struct Image {
    std::string path;
    std::vector<char> bytes;

    template <typename T>
    T* at(uint64_t offset) {
        if (offset > bytes.size() || bytes.size() - offset < sizeof(T))
            fail(path, "truncated ELF structure at offset " + std::to_string(offset));
        return reinterpret_cast<T*>(bytes.data() + offset);
    }

    // NUL-terminated string at `offset` inside the string table section `strtab`.
    std::string str(const Elf64_Shdr& strtab, uint32_t offset) {
        if (offset >= strtab.sh_size) fail(path, "string offset outside .dynstr");
        const char* begin = at<char>(strtab.sh_offset + offset);
        size_t room = strtab.sh_size - offset;
        size_t len = strnlen(begin, room);
        if (len == room) fail(path, "unterminated string in .dynstr");
        return std::string(begin, len);
    }
};

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: %s <elf-file> <needed-library> <version>\n", argv[0]);
        return 2;
    }
    const std::string lib = argv[2], version = argv[3];

    Image img{argv[1], {}};
    {
        std::ifstream in(img.path, std::ios::binary);
        if (!in) fail(img.path, "cannot open for reading");
        img.bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }

    // Only 64-bit little-endian x86-64 shared objects are expected (linux-x64 natives).
    auto* eh = img.at<Elf64_Ehdr>(0);
    if (std::memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0) fail(img.path, "not an ELF file");
    if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
        eh->e_machine != EM_X86_64)
        fail(img.path, "not a little-endian x86-64 ELF64 file");
    if (eh->e_shoff == 0 || eh->e_shentsize != sizeof(Elf64_Shdr))
        fail(img.path, "missing or unexpected section header table");

    auto section = [&](uint32_t index) -> Elf64_Shdr& {
        if (index >= eh->e_shnum) fail(img.path, "section index out of range");
        return *img.at<Elf64_Shdr>(eh->e_shoff + uint64_t(index) * sizeof(Elf64_Shdr));
    };

    // Find .gnu.version_r by type; its sh_link names the string table (.dynstr)
    // and sh_info holds the number of Verneed records.
    const Elf64_Shdr* verneed = nullptr;
    for (uint32_t i = 0; i < eh->e_shnum; ++i)
        if (section(i).sh_type == SHT_GNU_verneed) verneed = &section(i);
    if (!verneed) fail(img.path, "no .gnu.version_r (SHT_GNU_verneed) section");
    const Elf64_Shdr& dynstr = section(verneed->sh_link);
    if (dynstr.sh_type != SHT_STRTAB) fail(img.path, ".gnu.version_r does not link to a string table");

    // Walk Verneed -> Vernaux chains; vn_next / vna_next are relative offsets.
    uint64_t vn_off = verneed->sh_offset;
    for (uint32_t n = 0; n < verneed->sh_info; ++n) {
        auto* vn = img.at<Elf64_Verneed>(vn_off);
        if (vn->vn_version != VER_NEED_CURRENT) fail(img.path, "unsupported Verneed version");

        if (img.str(dynstr, vn->vn_file) == lib) {
            uint64_t aux_off = vn_off + vn->vn_aux;
            for (uint32_t a = 0; a < vn->vn_cnt; ++a) {
                auto* aux = img.at<Elf64_Vernaux>(aux_off);
                if (img.str(dynstr, aux->vna_name) == version) {
                    if (aux->vna_flags & VER_FLG_WEAK) {
                        std::printf("weaken_verneed: %s: %s from %s is already weak\n",
                                    img.path.c_str(), version.c_str(), lib.c_str());
                        return 0;
                    }
                    // Rewrite just the flags field rather than the whole file.
                    uint16_t flags = aux->vna_flags | VER_FLG_WEAK;
                    uint64_t flags_off = aux_off + offsetof(Elf64_Vernaux, vna_flags);
                    std::fstream out(img.path, std::ios::binary | std::ios::in | std::ios::out);
                    out.seekp(static_cast<std::streamoff>(flags_off));
                    out.write(reinterpret_cast<const char*>(&flags), sizeof(flags));
                    if (!out.flush()) fail(img.path, "cannot write version flags");
                    std::printf("weaken_verneed: %s: marked %s from %s weak\n",
                                img.path.c_str(), version.c_str(), lib.c_str());
                    return 0;
                }
                if (aux->vna_next == 0) break;
                aux_off += aux->vna_next;
            }
            fail(img.path, "no " + version + " requirement on " + lib + " in .gnu.version_r");
        }
        if (vn->vn_next == 0) break;
        vn_off += vn->vn_next;
    }
    fail(img.path, lib + " is not listed in .gnu.version_r");
}
