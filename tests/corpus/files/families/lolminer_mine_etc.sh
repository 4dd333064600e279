#!/bin/bash

#################################
## Begin of user-editable part ##
#################################

POOL=etc.pool.example:1010
WALLET=0x0123456789abcdef0123456789abcdef01234567.lolMinerWorker

#################################
##  End of user-editable part  ##
#################################

cd "$(dirname "$0")"

./lolMiner --algo ETCHASH --pool $POOL --user $WALLET --apiport 8020 --watchdog exit $@
while [ $? -eq 42 ]; do
    sleep 10s
    ./lolMiner --algo ETCHASH --pool $POOL --user $WALLET --apiport 8020 --watchdog exit $@
done
