#!/bin/sh
exec /bin/sleep 5
