/* A call the layer cannot model fails loudly, naming the call. */
#include <unistd.h>

int main(void)
{
    return fork() > 0;
}
