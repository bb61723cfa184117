// sim/flushsim/mutant.hpp — the mutant catalogue, where the build has it.
//
// flushsim and flushsim_mutants are compiled from the same sources; only
// the latter defines FLUSHCOORD_ENABLE_MUTANTS and links the properties
// built with the mutation points in. Everything mutant-specific is behind
// these functions so the rest of the tool has no #ifdef.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace flushsim {

/// True in flushsim_mutants.
bool mutants_supported() noexcept;

/// The binary's name as the user should type it in a replay command.
std::string_view tool_name() noexcept;

/// Switches mutant `name` on for every later run of this process, or the
/// shipped coordinator back on for std::nullopt. Call before any run starts
/// (runs on other threads read the switch without synchronisation).
/// Throws usage_error for an unknown name or a build without mutants.
void select_mutant(const std::optional<std::string>& name);

/// The catalogue, one mutant per line: name, what it breaks, the bug.
std::string mutant_catalogue();

}  // namespace flushsim
