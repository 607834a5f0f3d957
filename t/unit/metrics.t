#!/bin/sh
. "$(dirname "$0")/unit.sh"
unit_run test_metrics
