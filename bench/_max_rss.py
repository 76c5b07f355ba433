"""Run a command; print its peak memory and CPU time as a last line (Linux):
``max_rss_mb=<mb> cpu_s=<s>``. On a shared machine the CPU time is what the command
itself costs, whatever else the cores are doing."""

import resource
import subprocess
import sys

done = subprocess.run(sys.argv[1:], check=False)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"max_rss_mb={usage.ru_maxrss / 1024:.1f} cpu_s={usage.ru_utime + usage.ru_stime:.2f}",
      flush=True)
sys.exit(done.returncode)
