// flushcoord/properties/mutant_switch.hpp — switching a mutant on by name,
// from code compiled into both properties variants.
#pragma once

#include <string_view>

namespace flushcoord::properties {

/// True when this library was built with FLUSHCOORD_ENABLE_MUTANTS
/// (target flushcoord_properties_mutants).
bool mutants_available() noexcept;

/// While alive, the named mutant is active (empty name: the switch is left
/// untouched, e.g. as flushsim's --mutant set it). Throws
/// std::invalid_argument for an unknown name, or for a non-empty name in a
/// build without mutants. Restores the previous mutant when destroyed.
class mutant_scope {
 public:
  explicit mutant_scope(std::string_view name);
  ~mutant_scope();
  mutant_scope(const mutant_scope&) = delete;
  mutant_scope& operator=(const mutant_scope&) = delete;

 private:
  int previous_ = 0;
  bool engaged_ = false;  // a mutant was switched on here (restore on exit)
};

}  // namespace flushcoord::properties
