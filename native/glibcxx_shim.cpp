// Stand-in for std::ios_base_library_init(), which libstdc++ only gained in
// GCC 13 (symbol version GLIBCXX_3.4.32). TorchSharp's libLibTorchSharp.so was
// built with GCC 13 headers, whose <iostream> references this symbol instead of
// constructing a static std::ios_base::Init in every translation unit.
//
// The build (native/TorchSharpGlibcxxShim.targets) marks that version
// requirement weak and adds this library as a DT_NEEDED of the output copy of
// libLibTorchSharp.so, so the symbol resolves here on an older libstdc++.

#include <ios>

// Define the symbol by its mangled name: GCC 12 headers do not declare it.
extern "C" void glibcxx_shim_ios_base_library_init() __asm__("_ZSt21ios_base_library_initv");
extern "C" void glibcxx_shim_ios_base_library_init() {}

// What the GCC 13 symbol stands for: std::cout and friends are initialised.
// A GCC 12 libstdc++ does that only when a std::ios_base::Init is constructed,
// so hold one for as long as this library (and thus TorchSharp) is loaded.
static std::ios_base::Init glibcxx_shim_ioinit;
