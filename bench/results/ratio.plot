plot "ratio.dat" using ($2 > 0 ? $2 : 1/0):xtic(1) title "vs mod_wsgi", \
     "ratio.dat" using ($3 > 0 ? $3 : 1/0):xtic(1) title "vs uwsgi + mod_proxy_http", \
     "ratio.dat" using ($4 > 0 ? $4 : 1/0):xtic(1) title "vs uwsgi + mod_proxy_uwsgi", \
     "ratio.dat" using ($5 > 0 ? $5 : 1/0):xtic(1) title "vs eventlet", \
     "ratio.dat" using ($6 > 0 ? $6 : 1/0):xtic(1) title "vs the limit"
