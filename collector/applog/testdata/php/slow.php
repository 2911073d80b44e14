<?php sleep(5); echo "slow\n";
