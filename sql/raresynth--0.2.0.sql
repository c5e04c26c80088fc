/* raresynth--0.2.0.sql: the install script of version 0.2.0 (from 0.1.0: raresynth--0.1.0--0.2.0.sql) */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION raresynth" to load this file. \quit

-------------------------------------------------------------------------------
-- The model catalog
-------------------------------------------------------------------------------
-- The catalog's schema is raresynth.  CREATE EXTENSION raresynth SCHEMA
-- raresynth puts the functions there too: the schema then exists already
-- and must be the installing role's own and empty (a schema another role
-- owns would let that role drop the models); otherwise it is created.
DO $$
BEGIN
    IF pg_catalog.current_schema() OPERATOR(pg_catalog.=) 'raresynth' THEN
        IF (SELECT n.nspowner FROM pg_catalog.pg_namespace n
             WHERE n.nspname OPERATOR(pg_catalog.=) 'raresynth')
           OPERATOR(pg_catalog.<>) (SELECT r.oid FROM pg_catalog.pg_roles r
                                     WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER) THEN
            RAISE EXCEPTION 'schema "raresynth" is not owned by the role that creates the extension'
                USING ERRCODE = '42501',
                      HINT = 'Create the extension as the schema''s owner, or without SCHEMA raresynth.';
        END IF;
        IF EXISTS (SELECT FROM pg_catalog.pg_class c
                     WHERE c.relnamespace OPERATOR(pg_catalog.=) 'raresynth'::pg_catalog.regnamespace)
           OR EXISTS (SELECT FROM pg_catalog.pg_proc p
                     WHERE p.pronamespace OPERATOR(pg_catalog.=) 'raresynth'::pg_catalog.regnamespace)
           OR EXISTS (SELECT FROM pg_catalog.pg_type t
                     WHERE t.typnamespace OPERATOR(pg_catalog.=) 'raresynth'::pg_catalog.regnamespace) THEN
            RAISE EXCEPTION 'schema "raresynth" is not empty'
                USING ERRCODE = '55000',
                      HINT = 'The extension keeps its model catalog in schema raresynth: install it into an empty one, or into another schema.';
        END IF;
    ELSE
        CREATE SCHEMA raresynth;
    END IF;
END
$$;
COMMENT ON SCHEMA raresynth IS 'raresynth: the model catalog';
GRANT USAGE ON SCHEMA raresynth TO PUBLIC;

-- The role the catalog compares owner with: the current role, as an OID
-- (a name would follow a role's name, not the role, across DROP/RENAME).
CREATE FUNCTION raresynth.current_role_id() RETURNS regrole
    AS 'MODULE_PATHNAME', 'raresynth_current_role_id'
    LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION raresynth.current_role_id() IS
    'the current role (current_user) as regrole: the owner a model of the caller has';

CREATE TABLE raresynth.models (
    name      name        NOT NULL,
    version   integer     NOT NULL DEFAULT 1 CHECK (version >= 1),
    deployed  boolean     NOT NULL DEFAULT true,
    owner     regrole     NOT NULL DEFAULT raresynth.current_role_id(),
    source    text        NOT NULL,
    source_owner regrole  NOT NULL,
    label     name        NOT NULL,
    minority  text        NOT NULL,
    created   timestamptz NOT NULL DEFAULT now(),
    rows      bigint      NOT NULL CHECK (rows >= 0),
    epochs    integer     NOT NULL CHECK (epochs >= 0),
    seed      bigint      NOT NULL,
    seconds   float8      NOT NULL DEFAULT 0,
    options   jsonb       NOT NULL DEFAULT '{}',
    columns   jsonb       NOT NULL DEFAULT '[]',
    losses    jsonb       NOT NULL DEFAULT '[]',
    metrics   jsonb       NOT NULL DEFAULT '{}',
    state     bytea       NOT NULL,
    PRIMARY KEY (name, version)
);
-- at most one deployed version per name (the one sample and synthesize use
-- when no version is named)
CREATE UNIQUE INDEX models_deployed ON raresynth.models (name) WHERE deployed;
COMMENT ON INDEX raresynth.models_deployed IS 'at most one deployed version per model name';
COMMENT ON TABLE raresynth.models IS
    'Trained raresynth models: one row per version of a model (every training adds one and deploys it); each role sees and uses only the models it owns, and writes them only through raresynth_train(), raresynth_deploy(), raresynth_drop_version() and raresynth_drop_model()';
COMMENT ON COLUMN raresynth.models.name IS 'model name (default <source>_<label>)';
COMMENT ON COLUMN raresynth.models.version IS 'version of the model: 1 for its first training, then one more for each retraining (a number is not given again while a version or a raresynth.synthesized row of the owner has it)';
COMMENT ON COLUMN raresynth.models.deployed IS 'true for the one version of the name that raresynth_sample() and raresynth_synthesize() use when no version is named (raresynth_deploy() moves it; a training deploys its new version)';
COMMENT ON COLUMN raresynth.models.owner IS 'role that trained the model (its OID: follows a rename; a number once the role is dropped)';
COMMENT ON COLUMN raresynth.models.source IS 'schema-qualified source table the model learned';
COMMENT ON COLUMN raresynth.models.source_owner IS 'role that owned the source at training: a table of that name owned by another role is not the model''s source';
COMMENT ON COLUMN raresynth.models.label IS 'label column of the source';
COMMENT ON COLUMN raresynth.models.minority IS 'label value (as text) of the class the model learned';
COMMENT ON COLUMN raresynth.models.created IS 'when this version was trained';
COMMENT ON COLUMN raresynth.models.rows IS 'number of minority rows trained on (with epsilon: the noisy count, docs/privacy.md)';
COMMENT ON COLUMN raresynth.models.epochs IS 'training epochs run: the epochs asked for, or fewer when early_stopping ended training (options.epochs keeps the maximum)';
COMMENT ON COLUMN raresynth.models.seed IS 'seed of the run: the same seed reproduces the same state (with epsilon: a random number independent of the secret seed, which is not stored)';
COMMENT ON COLUMN raresynth.models.seconds IS 'training wall time in seconds';
COMMENT ON COLUMN raresynth.models.options IS 'hyper-parameters in force (with epsilon: and the privacy accounting under "privacy")';
COMMENT ON COLUMN raresynth.models.columns IS 'column specs: name, type, kind, reason';
COMMENT ON COLUMN raresynth.models.losses IS 'per-epoch losses: {"generator": [...], "critic": [...]}, one number per epoch, the first epoch first (the view raresynth.losses has one row per epoch); with epsilon empty lists, since losses are computed from real rows';
COMMENT ON COLUMN raresynth.models.metrics IS 'what the owner stored with this version through raresynth_store_metrics() (e.g. its quality and evaluation), a jsonb object; {} until then';
COMMENT ON COLUMN raresynth.models.state IS 'model state: versioned, checksummed container of encoder and generator';

-- Roles read their own rows; only the extension's C functions write (as
-- the table's owner, after checking the caller's rights by OID).
ALTER TABLE raresynth.models ENABLE ROW LEVEL SECURITY;
CREATE POLICY models_owner ON raresynth.models FOR SELECT
    USING (owner OPERATOR(pg_catalog.=) raresynth.current_role_id());
GRANT SELECT ON raresynth.models TO PUBLIC;

-- pg_dump writes owner as the role's name, restored as the new cluster's
-- OID of that role.  A model whose owner was dropped would be written as
-- the bare OID, which may name an unrelated role of the restored cluster:
-- such models are left out of dumps.
SELECT pg_catalog.pg_extension_config_dump('raresynth.models',
    'WHERE EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.oid OPERATOR(pg_catalog.=) owner)');

-- Who owns a model, whatever the caller may see (NULL: no such model).
-- Reveals only the owner.
CREATE FUNCTION raresynth.model_owner(model name) RETURNS regrole
    LANGUAGE sql STABLE STRICT SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$ SELECT owner FROM raresynth.models WHERE name OPERATOR(pg_catalog.=) model LIMIT 1 $$;
COMMENT ON FUNCTION raresynth.model_owner(name) IS
    'owner of a model (all its versions have one owner) regardless of row-level security (NULL when there is no such model)';

-- Provenance of synthetic rows: which model version wrote how many rows
-- into which table, with which seed.  Written by raresynth_synthesize()
-- (as the table's owner, like raresynth.models), read under row-level
-- security; the target tables themselves keep the source's shape.
CREATE TABLE raresynth.synthesized (
    target    regclass    NOT NULL,
    model     name        NOT NULL,
    version   integer     NOT NULL CHECK (version >= 1),
    trained   timestamptz NOT NULL,
    rows      bigint      NOT NULL CHECK (rows > 0),
    seed      bigint      NOT NULL,
    owner     regrole     NOT NULL DEFAULT raresynth.current_role_id(),
    written   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX synthesized_model ON raresynth.synthesized (model, version);
COMMENT ON INDEX raresynth.synthesized_model IS 'provenance rows of a model version';
COMMENT ON TABLE raresynth.synthesized IS
    'Provenance of synthetic rows: one row per raresynth_synthesize() call that wrote rows (target, model, version, seed, rows written); each role sees only the rows of its own calls; written only by raresynth_synthesize()';
COMMENT ON COLUMN raresynth.synthesized.target IS 'table the rows were appended to (an OID: follows a rename; a number once the table is dropped)';
COMMENT ON COLUMN raresynth.synthesized.model IS 'name of the model that made the rows';
COMMENT ON COLUMN raresynth.synthesized.version IS 'version of the model that made the rows';
COMMENT ON COLUMN raresynth.synthesized.trained IS 'when that version was trained (raresynth.models.created): tells it from a later model that took the same name and version after a drop';
COMMENT ON COLUMN raresynth.synthesized.rows IS 'rows appended by the call';
COMMENT ON COLUMN raresynth.synthesized.seed IS 'seed of the call (the drawn one when seed was NULL): the same model version, seed and n make the same rows';
COMMENT ON COLUMN raresynth.synthesized.owner IS 'role that called raresynth_synthesize()';
COMMENT ON COLUMN raresynth.synthesized.written IS 'start of the transaction that wrote the rows';
ALTER TABLE raresynth.synthesized ENABLE ROW LEVEL SECURITY;
CREATE POLICY synthesized_owner ON raresynth.synthesized FOR SELECT
    USING (owner OPERATOR(pg_catalog.=) raresynth.current_role_id());
GRANT SELECT ON raresynth.synthesized TO PUBLIC;
-- Dumped like raresynth.models: rows of dropped roles left out, and rows
-- whose target is gone or temporary (its name would not restore).
SELECT pg_catalog.pg_extension_config_dump('raresynth.synthesized',
    'WHERE EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.oid OPERATOR(pg_catalog.=) owner) '
    'AND EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) target '
    'AND c.relpersistence OPERATOR(pg_catalog.<>) ''t'')');

-- One row per model version and epoch from models.losses ({"generator": [...],
-- "critic": [...]}, epoch 1 first).  security_invoker: the caller's
-- row-level security on raresynth.models applies, not the view owner's.
CREATE VIEW raresynth.losses WITH (security_invoker = true) AS
    SELECT m.name AS model,
           m.version,
           l.epoch::pg_catalog.int4 AS epoch,
           l.generator::pg_catalog.float8 AS generator,
           l.critic::pg_catalog.float8 AS critic
    FROM raresynth.models m,
         ROWS FROM (pg_catalog.jsonb_array_elements_text(m.losses OPERATOR(pg_catalog.->) 'generator'::pg_catalog.text),
                    pg_catalog.jsonb_array_elements_text(m.losses OPERATOR(pg_catalog.->) 'critic'::pg_catalog.text))
             WITH ORDINALITY AS l(generator, critic, epoch);
COMMENT ON VIEW raresynth.losses IS
    'per-epoch training losses of the models you own (row-level security of raresynth.models applies to the caller): model, version, epoch (1 = the first), generator and critic loss';
GRANT SELECT ON raresynth.losses TO PUBLIC;

-------------------------------------------------------------------------------
-- Profile: the encoder's view of a table
-------------------------------------------------------------------------------
CREATE FUNCTION raresynth_profile(
        source regclass,
        label name,
        exclude name[] DEFAULT '{}',
        include name[] DEFAULT '{}')
    RETURNS TABLE (column_name name, type text, kind text, reason text,
                   null_fraction float8, distinct_count bigint,
                   min text, max text, class_counts jsonb)
    AS 'MODULE_PATHNAME', 'raresynth_profile'
    LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION raresynth_profile(regclass, name, name[], name[]) IS
    'one row per column of source: SQL type, kind (continuous, categorical, label, excluded) and why (identifiers, keys, the caller''s exclude and include, functional dependencies between categorical columns), null fraction, distinct count, min, max; the label row carries the class counts';

-------------------------------------------------------------------------------
-- Catalog helpers
-------------------------------------------------------------------------------
CREATE FUNCTION raresynth_model_info(model name, version integer DEFAULT NULL)
    RETURNS jsonb
    AS 'MODULE_PATHNAME', 'raresynth_model_info'
    LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION raresynth_model_info(name, integer) IS
    'everything the catalog knows about a model you own, as jsonb (the state as its size): the deployed version, or the version named; with its version, whether it is deployed, and all the versions of the name';

CREATE FUNCTION raresynth_drop_model(model name, missing_ok boolean DEFAULT false)
    RETURNS boolean
    AS 'MODULE_PATHNAME', 'raresynth_drop_model'
    LANGUAGE C VOLATILE;
COMMENT ON FUNCTION raresynth_drop_model(name, boolean) IS
    'delete a model you own (a superuser: any model) with all its versions; true if it was dropped, false if missing and missing_ok';

CREATE FUNCTION raresynth_drop_version(model name, version integer, missing_ok boolean DEFAULT false)
    RETURNS boolean
    AS 'MODULE_PATHNAME', 'raresynth_drop_version'
    LANGUAGE C VOLATILE;
COMMENT ON FUNCTION raresynth_drop_version(name, integer, boolean) IS
    'delete one version of a model you own (a superuser: any model); the deployed version cannot be dropped alone (deploy another first, or drop the model); true if it was dropped, false if missing and missing_ok';

CREATE FUNCTION raresynth_store_metrics(model name, metrics jsonb, version integer DEFAULT NULL)
    RETURNS jsonb
    AS 'MODULE_PATHNAME', 'raresynth_store_metrics'
    LANGUAGE C VOLATILE;
COMMENT ON FUNCTION raresynth_store_metrics(name, jsonb, integer) IS
    'store a jsonb object of results (quality, evaluation, anything) with the deployed version of a model you own, or the version named: its keys are merged into raresynth.models.metrics (a key given again is replaced); returns the version''s metrics';

CREATE FUNCTION raresynth_deploy(model name, version integer)
    RETURNS void
    AS 'MODULE_PATHNAME', 'raresynth_deploy'
    LANGUAGE C VOLATILE;
COMMENT ON FUNCTION raresynth_deploy(name, integer) IS
    'deploy a version of a model you own (a superuser: any model): the version raresynth_sample() and raresynth_synthesize() use when none is named, until the next deploy or training';

-------------------------------------------------------------------------------
-- The GAN: train, sample, synthesize
-------------------------------------------------------------------------------
CREATE FUNCTION raresynth_train(
        source regclass,
        label name,
        minority text DEFAULT NULL,
        model name DEFAULT NULL,
        epochs integer DEFAULT 300,
        batch_size integer DEFAULT 500,
        seed bigint DEFAULT NULL,
        exclude name[] DEFAULT '{}',
        include name[] DEFAULT '{}',
        options jsonb DEFAULT '{}')
    RETURNS TABLE (model name, minority text, rows bigint, columns integer,
                   epochs integer, seconds float8, seed bigint)
    AS 'MODULE_PATHNAME', 'raresynth_train'
    LANGUAGE C VOLATILE;
COMMENT ON FUNCTION raresynth_train(regclass, name, text, name, integer, integer, bigint, name[], name[], jsonb) IS
    'train a GAN on the rare class of source (minority NULL: the rarest label value) and store it in raresynth.models as <source>_<label> unless model is given; exclude leaves columns out, include keeps columns the profile takes for identifiers';

CREATE FUNCTION raresynth_sample(
        model name,
        n bigint,
        rowtype anyelement,
        seed bigint DEFAULT NULL,
        given jsonb DEFAULT NULL,
        version integer DEFAULT NULL)
    RETURNS SETOF anyelement
    AS 'MODULE_PATHNAME', 'raresynth_sample'
    LANGUAGE C VOLATILE ROWS 1000;
COMMENT ON FUNCTION raresynth_sample(name, bigint, anyelement, bigint, jsonb, integer) IS
    'stream n synthetic minority rows typed like the source (pass NULL::source) from the deployed version of model, or the version named; given conditions every row on one or more columns: a category, e.g. {"sex": "Female", "diet": "Healthy"}, a range of a continuous column, {"age": {"min": 40, "max": 60}} or [40, 60] (both ends included, either open), or null; the categories and bounds hold on every row, the shape inside a range is approximate (docs/gan.md)';

CREATE FUNCTION raresynth_synthesize(
        model name,
        n bigint DEFAULT NULL,
        target text DEFAULT NULL,
        seed bigint DEFAULT NULL,
        improved boolean DEFAULT true,
        marker text DEFAULT NULL,
        version integer DEFAULT NULL,
        ratio float8 DEFAULT NULL,
        keys jsonb DEFAULT NULL)
    RETURNS bigint
    AS 'MODULE_PATHNAME', 'raresynth_synthesize'
    LANGUAGE C VOLATILE;
COMMENT ON FUNCTION raresynth_synthesize(name, bigint, text, bigint, boolean, text, integer, float8, jsonb) IS
    'append n synthetic rows of the deployed version of model (or the version named; each call that writes rows is recorded in raresynth.synthesized) (NULL: enough for 1:1 with the largest class, or for ratio, in (0, 1], times its rows as imbalanced-learn''s float sampling_strategy; both count the class''s rows already in the target) to target, a table you own, qualified or in the source''s schema, created if missing (NULL: <source>_synthetic); improved: also create the view source UNION ALL target (<source>_improved for the default target, else <target>_improved; never redefined), with a boolean column marker true for synthetic rows if named; keys gives excluded columns (NULL otherwise) a new value per row, {"column": "uuid"} or {"column": "<sequence>"}, e.g. for a target distributed by that key (docs/citus.md); on Citus a target created here follows the source (distributed like it, or reference); returns rows written';

-------------------------------------------------------------------------------
-- Quality of synthetic rows
-------------------------------------------------------------------------------
CREATE FUNCTION raresynth_quality(
        "real" regclass,
        synthetic regclass,
        label name,
        minority text DEFAULT NULL,
        holdout regclass DEFAULT NULL)
    RETURNS TABLE (metric text, column_name name, value float8, column_name_2 name)
    AS 'MODULE_PATHNAME', 'raresynth_quality'
    LANGUAGE C STABLE;
COMMENT ON FUNCTION raresynth_quality(regclass, regclass, name, text, regclass) IS
    'SDMetrics-style quality of the synthetic rows of a class against the real ones: column shapes (KS and TV complements), pair trends of every column pair (column_name, column_name_2), overall score, logistic detection, unseen combinations of dependent columns, validity (out-of-range cells) and privacy (exact copies, distance to closest record, DCR baseline protection; with holdout, real rows the model did not see: their DCR and DCR overfitting protection); see docs/quality.md';

-------------------------------------------------------------------------------
-- The baseline and the paper's experiment
-------------------------------------------------------------------------------
CREATE FUNCTION raresynth_smote(
        source regclass,
        label name,
        n bigint DEFAULT NULL,
        k integer DEFAULT 5,
        target text DEFAULT NULL,
        seed bigint DEFAULT NULL,
        minority text DEFAULT NULL,
        ratio float8 DEFAULT NULL,
        keys jsonb DEFAULT NULL)
    RETURNS bigint
    AS 'MODULE_PATHNAME', 'raresynth_smote'
    LANGUAGE C VOLATILE;
COMMENT ON FUNCTION raresynth_smote(regclass, name, bigint, integer, text, bigint, text, float8, jsonb) IS
    'append n SMOTE (SMOTE-NC with categorical columns) rows of the minority class (NULL: enough for 1:1 with the largest class, or for ratio, in (0, 1], times its rows as imbalanced-learn''s float sampling_strategy; both count the class''s rows already in the target) to target, a table you own, qualified or in the source''s schema, created if missing (NULL: <source>_smote; on Citus it follows the source, docs/citus.md); keys gives excluded columns (NULL otherwise) a new value per row, {"column": "uuid"} or {"column": "<sequence>"}; returns rows written';

CREATE FUNCTION raresynth_balance(
        source regclass,
        label name,
        strategy jsonb DEFAULT '"not majority"',
        method text DEFAULT 'gan',
        target text DEFAULT NULL,
        seed bigint DEFAULT NULL,
        epochs integer DEFAULT NULL,
        batch_size integer DEFAULT NULL,
        options jsonb DEFAULT NULL,
        exclude name[] DEFAULT NULL,
        include name[] DEFAULT NULL,
        k integer DEFAULT NULL,
        improved boolean DEFAULT NULL,
        marker text DEFAULT NULL)
    RETURNS TABLE (class text, source_rows bigint, target_rows bigint, added bigint,
                   rows_after bigint, model name, version integer, seed bigint)
    AS 'MODULE_PATHNAME', 'raresynth_balance'
    LANGUAGE C VOLATILE;
COMMENT ON FUNCTION raresynth_balance(regclass, name, jsonb, text, text, bigint, integer, integer, jsonb, name[], name[], integer, boolean, text) IS
    'raise every class of a label as imbalanced-learn''s sampling_strategy says: "not majority" (also "auto"), "not minority", "all" or "minority" up to the largest class, a ratio in (0, 1] of it for every class but the largest, or an object of rows per class after balancing ({"a": 100}); counts include the class''s rows already in target; method gan trains one model per class raised (<source>_<label>_<class>, a new version; epochs, batch_size, options, exclude, include as raresynth_train) and synthesizes its rows, method smote runs SMOTE per class (k); all rows go to one target (NULL: <source>_synthetic or <source>_smote); improved (NULL: true for gan, false for smote) and marker as raresynth_synthesize; class i, rarest first from 0, uses seed + i; one row per class';

CREATE FUNCTION raresynth_score(
        train regclass,
        test regclass,
        label name,
        classifier text DEFAULT 'logistic')
    RETURNS TABLE (accuracy float8, recall float8, "precision" float8, f1 float8,
                   balanced_accuracy float8, roc_auc float8, pr_auc float8, mcc float8)
    AS 'MODULE_PATHNAME', 'raresynth_score'
    LANGUAGE C STABLE;
COMMENT ON FUNCTION raresynth_score(regclass, regclass, name, text) IS
    'a built-in classifier fitted on train and scored on test: ''logistic'' (the default, also for NULL: L2 logistic regression, C = 1) or ''boosted'' (gradient-boosted trees, XGBoost, fixed parameters, deterministic for raresynth.threads), on the same standardised and one-hot features; positive = the rarest class of train; pr_auc is the average precision, mcc the Matthews correlation at the 0.5 probability threshold';

CREATE FUNCTION raresynth_evaluate(
        source regclass,
        label name,
        methods text[] DEFAULT '{none,smote,gan}',
        runs integer DEFAULT 100,
        sizes integer[] DEFAULT NULL,
        test_fraction float8 DEFAULT 0.3,
        classifier text DEFAULT 'logistic',
        seed bigint DEFAULT NULL,
        options jsonb DEFAULT '{}')
    RETURNS TABLE (method text, size integer, runs integer,
                   accuracy float8, accuracy_sd float8, recall float8, recall_sd float8,
                   "precision" float8, f1 float8, balanced_accuracy float8, roc_auc float8,
                   seconds float8,
                   accuracy_vs_none float8, accuracy_vs_none_lo float8, accuracy_vs_none_hi float8,
                   recall_vs_none float8, recall_vs_none_lo float8, recall_vs_none_hi float8,
                   accuracy_vs_smote float8, accuracy_vs_smote_lo float8, accuracy_vs_smote_hi float8,
                   recall_vs_smote float8, recall_vs_smote_lo float8, recall_vs_smote_hi float8,
                   f1_sd float8, balanced_accuracy_sd float8,
                   pr_auc float8, pr_auc_sd float8, mcc float8, mcc_sd float8,
                   f1_vs_none float8, f1_vs_none_lo float8, f1_vs_none_hi float8,
                   balanced_accuracy_vs_none float8, balanced_accuracy_vs_none_lo float8, balanced_accuracy_vs_none_hi float8,
                   pr_auc_vs_none float8, pr_auc_vs_none_lo float8, pr_auc_vs_none_hi float8,
                   best_non_gan text,
                   f1_vs_best float8, f1_vs_best_lo float8, f1_vs_best_hi float8,
                   balanced_accuracy_vs_best float8, balanced_accuracy_vs_best_lo float8, balanced_accuracy_vs_best_hi float8,
                   pr_auc_vs_best float8, pr_auc_vs_best_lo float8, pr_auc_vs_best_hi float8)
    AS 'MODULE_PATHNAME', 'raresynth_evaluate'
    LANGUAGE C VOLATILE;
COMMENT ON FUNCTION raresynth_evaluate(regclass, name, text[], integer, integer[], float8, text, bigint, jsonb) IS
    'the paper''s experiment: per size and run a stratified subsample and split shared by all methods, the training part treated by each method (none: as it is; smote, smotenc, gan, random: minority rows added to 1:1, random as copies of real ones; weighted: class weights n/(2 n_c); threshold: the F1-best decision threshold tuned on a stratified 25% of the training part, then a refit on all of it), the classifier (''logistic'' or ''boosted'') scored on the untouched test part; means, sds and paired differences with 95% intervals against none, smote and best_non_gan (the method other than gan with the highest mean F1 at that size; PR-AUC is average precision, MCC the Matthews correlation); a NOTICE per size names the method with the best mean F1 and says whether the GAN is significantly better, worse or indistinguishable from best_non_gan';

-------------------------------------------------------------------------------
-- Citus (docs/citus.md): the model catalog as a reference table
-------------------------------------------------------------------------------
-- Run once on a Citus coordinator (as the extension's owner): every node
-- then trains into and samples from one catalog, under the same row-level
-- security.  Names nothing of Citus unless the extension citus is there.
CREATE FUNCTION raresynth_citus_setup() RETURNS text
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension e
                    WHERE e.extname OPERATOR(pg_catalog.=) 'citus') THEN
        RAISE EXCEPTION 'extension "citus" is not installed'
            USING ERRCODE = '55000',
                  HINT = 'Without Citus every query sees raresynth.models already; run raresynth_citus_setup() on a Citus coordinator.';
    END IF;
    IF EXISTS (SELECT FROM pg_catalog.pg_dist_partition p
                WHERE p.logicalrelid OPERATOR(pg_catalog.=) 'raresynth.models'::pg_catalog.regclass) THEN
        RETURN 'raresynth.models is a Citus table already';
    END IF;
    PERFORM pg_catalog.create_reference_table('raresynth.models'::pg_catalog.regclass);
    -- its rows are in the reference table's shards now, not in the shell
    PERFORM pg_catalog.truncate_local_data_after_distributing_table('raresynth.models'::pg_catalog.regclass);
    RETURN 'raresynth.models is a reference table';
END
$$;
COMMENT ON FUNCTION raresynth_citus_setup() IS
    'on a Citus coordinator: make the model catalog raresynth.models a reference table, so that models trained on any node sample on every node, each role still seeing only its own (raresynth.synthesized stays each node''s own: its target is a table OID of that node); a second call does nothing';

-------------------------------------------------------------------------------
-- Help: what is installed and how to call it
-------------------------------------------------------------------------------
CREATE FUNCTION raresynth_version() RETURNS text
    AS 'MODULE_PATHNAME', 'raresynth_version'
    LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION raresynth_version() IS
    'the installed raresynth version and the build: PostgreSQL it was built for, OpenBLAS version and kernel, whether the sampler runs in bfloat16 on this CPU';

CREATE FUNCTION raresynth_help(topic text DEFAULT NULL) RETURNS text
    AS 'MODULE_PATHNAME', 'raresynth_help'
    LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION raresynth_help(text) IS
    'help from SQL: NULL lists every function of the extension with its purpose; a function name gives its signature, its comment, the options it takes and the raresynth.* settings; ''options'' and ''settings'' give those alone';
