// zombie: leave a child that has exited but is not waited for (xv6: user/zombie.c). The parent
// sleeps so the zombie can be seen, then exits; init reaps the orphan.
#include "user/user.h"

int main() {
  if (fork() > 0) sleep(5);
  return 0;
}
