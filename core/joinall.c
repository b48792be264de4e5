/* Join of a set of tasks: fg_join over each, one deadline for all. */
#include "por.h"

int fg_join_all_(const int *ids, size_t n, fg_time deadline)
{
    if (!fg__current("fg_join_all"))
        return -EPERM;
    if (n && !ids)
        return fg__misuse("fg_join_all", -EINVAL, "NULL ids");
    for (size_t i = 0; i < n; i++) {
        int r = fg_join_(ids[i], deadline);
        if (r < 0)
            return r;
    }
    return 0;
}
