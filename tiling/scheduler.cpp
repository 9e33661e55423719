#include "tiling/scheduler.h"

#include <map>
#include <stdexcept>

namespace sosasim {

namespace {

std::map<std::string, SchedulerFactory>& factories() {
  static std::map<std::string, SchedulerFactory> table;
  return table;
}

}  // namespace

std::unique_ptr<Scheduler> make_scheduler(const ParamValues& params) {
  const std::string& name = params.get_string("scheduler");
  auto it = factories().find(name);
  if (it == factories().end()) throw std::logic_error("scheduler '" + name + "' has no factory");
  return it->second(params);
}

SchedulerRegistration::SchedulerRegistration(ComponentInfo info, SchedulerFactory factory) {
  factories()[info.name] = std::move(factory);
  ComponentRegistry::instance().add(std::move(info));
}

}  // namespace sosasim
