#include <lapacke.h>
typedef lapack_int clapack_int;
