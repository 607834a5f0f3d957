-- rate_counts_in_redis (miltertest part): the SASL login carol@example.net
-- sends two messages of 2 recipients from 192.0.2.71 on one connection
-- and one of 1 recipient from 2001:db8:7::1; all accepted, no header.
zm = dofile(os.getenv("ZM_PROTO_DIR") .. "/zmlib.lua")
zm.run(function()
	local conn = zm.connect("192.0.2.71")
	zm.accepted(conn, { qid = "C8", login = "carol@example.net", rcpts = 2 })
	zm.accepted(conn, { qid = "C9", login = "carol@example.net", rcpts = 2 })
	zm.close(conn)
	conn = zm.connect("2001:db8:7::1")
	zm.accepted(conn, { eomqid = "C10", login = "carol@example.net", rcpts = 1 })
	zm.close(conn)
	mt.echo("rate_counts_in_redis: ok")
end)
