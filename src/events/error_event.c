#include "events/error_event.h"

#include "events/schema.h"
#include "util/log.h"

#include <ctype.h>
#include <stdio.h>

const char *error_severity_name(enum error_severity severity)
{
    switch(severity) {
    case ERROR_SEVERITY_WARNING: return "warning";
    case ERROR_SEVERITY_CRITICAL: return "critical";
    default: return "error";
    }
}

static int plain_word(const char *s)
{
    if(!s || !*s)
        return 0;
    for(size_t i = 0; s[i]; i++) {
        if(i >= 64 || !(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '_' || s[i] == '.'))
            return 0;
    }
    return 1;
}

int error_event_raise(bus_t *bus, const char *error_type, enum error_severity severity, const char *message)
{
    const char *type = plain_word(error_type) ? error_type : "internal";
    char generic[128];
    if(!schema_message_is_safe(message)) {
        log_warn("events.error_message_replaced", "error_type=%s reason=\"not a plain sentence\"", type);
        snprintf(generic, sizeof(generic), "An internal problem occurred (%s); details are in the server log.",
                 type);
        message = generic;
    }
    json_t *data = json_pack("{s:s, s:s, s:s}", "error_type", type, "severity", error_severity_name(severity),
                             "message", message);
    if(!data)
        return BUS_ERR_NOMEM;
    return bus_publish(bus, "error", data);
}
