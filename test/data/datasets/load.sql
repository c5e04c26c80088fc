-- load.sql: the real data sets of this folder (README.md) as tables in the
-- current schema, from psql run in the project root:
--   psql -v ON_ERROR_STOP=1 -f test/data/datasets/load.sql
DROP TABLE IF EXISTS pima, breast_cancer, satimage, vehicle, birthwt;
CREATE TABLE pima (pregnant int, glucose int, pressure int, triceps int, insulin int,
                   mass float8, pedigree float8, age int, diabetes text);
\copy pima FROM 'test/data/datasets/pima.csv' WITH (FORMAT csv, HEADER true)
CREATE TABLE breast_cancer (cl_thickness int, cell_size int, cell_shape int,
                            marg_adhesion int, epith_c_size int, bare_nuclei int,
                            bl_cromatin int, normal_nucleoli int, mitoses int, class text);
\copy breast_cancer FROM 'test/data/datasets/breast_cancer.csv' WITH (FORMAT csv, HEADER true)
CREATE TABLE satimage (x_1 int, x_2 int, x_3 int, x_4 int, x_5 int, x_6 int, x_7 int, x_8 int,
                       x_9 int, x_10 int, x_11 int, x_12 int, x_13 int, x_14 int, x_15 int,
                       x_16 int, x_17 int, x_18 int, x_19 int, x_20 int, x_21 int, x_22 int,
                       x_23 int, x_24 int, x_25 int, x_26 int, x_27 int, x_28 int, x_29 int,
                       x_30 int, x_31 int, x_32 int, x_33 int, x_34 int, x_35 int, x_36 int,
                       damp_grey_soil text);
\copy satimage FROM 'test/data/datasets/satimage.csv' WITH (FORMAT csv, HEADER true)
CREATE TABLE vehicle (comp int, circ int, d_circ int, rad_ra int, pr_axis_ra int, max_l_ra int,
                      scat_ra int, elong int, pr_axis_rect int, max_l_rect int,
                      sc_var_maxis int, sc_var_maxis_1 int, ra_gyr int, skew_maxis int,
                      skew_maxis_1 int, kurt_maxis int, kurt_maxis_1 int, holl_ra int, van text);
\copy vehicle FROM 'test/data/datasets/vehicle.csv' WITH (FORMAT csv, HEADER true)
CREATE TABLE birthwt (age int, lwt int, race text, smoke boolean, ptl int, ht boolean,
                      ui boolean, ftv int, low text);
\copy birthwt FROM 'test/data/datasets/birthwt.csv' WITH (FORMAT csv, HEADER true)
