-- The legacy CloudAlbum schema: the tables SQLAlchemy's create_all() makes for the
-- seed application's models (User, Photo) on MySQL, written from the data contract
-- in docs/CONTRACTS.md. Table names are case-sensitive on Linux; `desc` is a reserved word.
--
-- cloudalbum's MySQL backend (lib/db/mysql_schema.c) runs exactly these statements
-- when the tables are absent: the build compiles them in from this file (the one copy;
-- scripts/sql-to-c.awk: one statement per ';' at a line's end, "--" lines dropped). The explicit
-- utf8mb4 is the one addition to what SQLAlchemy emits: it lets any Unicode
-- name, tag or description be stored whatever the server's default charset.

CREATE TABLE IF NOT EXISTS `User` (
	id INTEGER NOT NULL AUTO_INCREMENT,
	username VARCHAR(50),
	email VARCHAR(50),
	password VARCHAR(100),
	PRIMARY KEY (id),
	UNIQUE (email)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS `Photo` (
	id INTEGER NOT NULL AUTO_INCREMENT,
	user_id INTEGER,
	tags VARCHAR(400),
	`desc` VARCHAR(400),
	filename_orig VARCHAR(400),
	filename VARCHAR(400),
	filesize INTEGER,
	geotag_lat FLOAT,
	geotag_lng FLOAT,
	upload_date DATETIME,
	taken_date DATETIME,
	make VARCHAR(400),
	model VARCHAR(400),
	width VARCHAR(400),
	height VARCHAR(400),
	city VARCHAR(400),
	nation VARCHAR(400),
	address VARCHAR(400),
	PRIMARY KEY (id),
	FOREIGN KEY(user_id) REFERENCES `User` (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
